// The kubeconfig loader: what it reads, in which order, how it authenticates, and that a
// kubeconfig it does not handle itself (an exec credential plugin) still works through client-node.
import { mkdtempSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { inClusterAuth, loadKubeAuth, loadKubeContext } from '../../src/runtime/kubeconfig.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nco-kubeconfig-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, doc: object): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(doc));
  return file;
}

function doc(user: object, cluster: object = {}, current = 'ctx'): object {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current,
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
  };
}

async function applied(auth: ReturnType<typeof loadKubeAuth>): Promise<https.RequestOptions> {
  const options: https.RequestOptions = { headers: { Accept: 'application/json' } };
  await auth.apply(options);
  return options;
}

function agentOptions(o: https.RequestOptions): Record<string, unknown> {
  return (o.agent as unknown as { options: Record<string, unknown> }).options;
}

describe('loadKubeAuth', () => {
  it('reads embedded certificates and a bearer token, and keeps other headers', async () => {
    const file = kubeconfig(
      'config',
      doc(
        { 'client-certificate-data': Buffer.from('CERT').toString('base64'), token: 'tok-1' },
        { 'certificate-authority-data': Buffer.from('CA').toString('base64'), 'tls-server-name': 'api.example' },
      ),
    );
    const auth = loadKubeAuth(file, {});
    expect(auth.server.href).toBe('https://127.0.0.1:6443/');
    const o = await applied(auth);
    expect(o.headers).toEqual({ Accept: 'application/json', Authorization: 'Bearer tok-1' });
    const a = agentOptions(o);
    expect(String(a['ca'])).toBe('CA');
    expect(String(a['cert'])).toBe('CERT');
    expect(a['servername']).toBe('api.example');
    expect(a['rejectUnauthorized']).toBe(true);
    expect(a['keepAlive']).toBe(true);
  });

  it('resolves relative file names against the kubeconfig, as kubectl does', async () => {
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA-FILE');
    writeFileSync(join(dir, 'pki', 'key.pem'), 'KEY-FILE');
    const file = kubeconfig(
      'config',
      doc(
        { 'client-key': 'pki/key.pem', username: 'admin', password: 's3cret' },
        { 'certificate-authority': 'pki/ca.crt' },
      ),
    );
    const o = await applied(loadKubeAuth(file, {}));
    expect(String(agentOptions(o)['ca'])).toBe('CA-FILE');
    expect(String(agentOptions(o)['key'])).toBe('KEY-FILE');
    expect((o.headers as Record<string, string>)['Authorization']).toBe(
      `Basic ${Buffer.from('admin:s3cret').toString('base64')}`,
    );
  });

  it('merges a KUBECONFIG list: the first file that names an entry or the context wins', async () => {
    const first = kubeconfig('a', { ...doc({ token: 'from-a' }), clusters: [] });
    const second = kubeconfig('b', doc({ token: 'from-b' }, { server: 'https://10.1.2.3:443' }, 'other'));
    const o = await applied(loadKubeAuth(undefined, { KUBECONFIG: `${first}:${second}` }));
    expect((o.headers as Record<string, string>)['Authorization']).toBe('Bearer from-a');
    expect(loadKubeAuth(undefined, { KUBECONFIG: `${first}:${second}` }).server.host).toBe('10.1.2.3');
  });

  it('says which context or cluster is missing', () => {
    expect(() => loadKubeAuth(kubeconfig('x', doc({}, {}, 'nope')), {})).toThrow(/context "nope" is not defined/);
    expect(() => loadKubeAuth(kubeconfig('y', { ...doc({}), 'current-context': '' }), {})).toThrow(
      /has no current-context/,
    );
    expect(() => loadKubeAuth(undefined, { HOME: dir })).toThrow(/no kubeconfig: set KUBECONFIG/);
  });

  it('falls back to ~/.kube/config', () => {
    mkdirSync(join(dir, '.kube'));
    writeFileSync(join(dir, '.kube', 'config'), stringify(doc({}, { server: 'https://192.0.2.7:6443' })));
    expect(loadKubeAuth(undefined, { HOME: dir }).server.host).toBe('192.0.2.7:6443');
  });

  it('reads a rotated token file again after a minute, as client-go does', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const token = join(dir, 'token');
      writeFileSync(token, 'first\n');
      const auth = loadKubeAuth(kubeconfig('config', doc({ tokenFile: token })), {});
      expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer first' });
      writeFileSync(token, 'second\n');
      const later = new Date(Date.now() + 120_000);
      utimesSync(token, later, later);
      vi.setSystemTime(Date.now() + 30_000);
      expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer first' });
      vi.setSystemTime(Date.now() + 31_000);
      expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer second' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('uses the pod service account in a cluster', async () => {
    writeFileSync(join(dir, 'ca.crt'), 'SA-CA');
    writeFileSync(join(dir, 'token'), 'sa-token');
    const auth = inClusterAuth({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir);
    expect(auth.server.href).toBe('https://[fd00::1]:6443/');
    const o = await applied(auth);
    expect(String(agentOptions(o)['ca'])).toBe('SA-CA');
    expect(o.headers).toMatchObject({ Authorization: 'Bearer sa-token' });
  });

  it('hands an exec credential plugin to client-node, which runs it', async () => {
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-plugin' },
    });
    const auth = loadKubeAuth(
      kubeconfig(
        'config',
        doc({
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: '/bin/sh',
            args: ['-c', `echo '${credential}'`],
            interactiveMode: 'Never',
          },
        }),
      ),
      {},
    );
    expect(auth.source).toMatch(/client-node/);
    const o = await applied(auth);
    expect((o.headers as Record<string, string>)['Authorization']).toBe('Bearer from-plugin');
  });
});

/** A user whose exec credential plugin answers with this token. */
function execUser(token: string): object {
  const credential = JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token },
  });
  return {
    exec: {
      apiVersion: 'client.authentication.k8s.io/v1',
      command: '/bin/sh',
      args: ['-c', `echo '${credential}'`],
      interactiveMode: 'Never',
    },
  };
}

describe('loadKubeContext (kubectl nc --kubeconfig and --context)', () => {
  const twoContexts = {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'first',
    clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
    users: [
      { name: 'u1', user: execUser('token-first') },
      { name: 'u2', user: execUser('token-second') },
    ],
    contexts: [
      { name: 'first', context: { cluster: 'c', user: 'u1', namespace: 'one' } },
      { name: 'second', context: { cluster: 'c', user: 'u2', namespace: 'two' } },
    ],
  };

  it('authenticates as the user of the context asked for, also through an exec plugin', async () => {
    const file = kubeconfig('config', twoContexts);
    const chosen = loadKubeContext(file, 'second', {});
    expect(chosen.namespace).toBe('two');
    expect((await applied(chosen.auth)).headers).toMatchObject({ Authorization: 'Bearer token-second' });
    const current = loadKubeContext(file, undefined, {});
    expect(current.namespace).toBe('one');
    expect((await applied(current.auth)).headers).toMatchObject({ Authorization: 'Bearer token-first' });
  });

  it('reads the list of files given, not $KUBECONFIG, when an exec plugin is involved', async () => {
    const clusters = kubeconfig('clusters', {
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'second',
      clusters: twoContexts.clusters,
      contexts: twoContexts.contexts,
    });
    const users = kubeconfig('users', { apiVersion: 'v1', kind: 'Config', users: twoContexts.users });
    vi.stubEnv('KUBECONFIG', join(dir, 'does-not-exist'));
    try {
      const { auth } = loadKubeContext(`${clusters}:${users}`, undefined, {});
      expect((await applied(auth)).headers).toMatchObject({ Authorization: 'Bearer token-second' });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('says so when the context asked for is not there', () => {
    expect(() => loadKubeContext(kubeconfig('config', twoContexts), 'third', {})).toThrow(
      /context "third" is not defined/,
    );
  });
});
