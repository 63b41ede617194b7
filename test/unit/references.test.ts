import { describe, expect, it } from 'vitest';
import type { ContainerSecret } from '../../src/api/container-secret.ts';
import type { ConfigMap, Secret } from '../../src/api/core.ts';
import { credentialsOf, serverAddress } from '../../src/controllers/containersecret/credentials.ts';
import {
  UnresolvedReferenceError,
  referencedNames,
  resolveReferences,
  type ReferenceLookup,
} from '../../src/controllers/nativecontainer/references.ts';
import { nativeContainer } from './fixtures.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secret = (name: string, data: Record<string, string>, type?: string): Secret => ({
  metadata: { name, namespace: 'team-a' },
  ...(type ? { type } : {}),
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});
const csec = (name: string, spec: ContainerSecret['spec']): ContainerSecret => ({
  metadata: { name, namespace: 'team-a' },
  spec,
});

function lookup(objs: { secrets?: Secret[]; configMaps?: ConfigMap[]; csecs?: ContainerSecret[] }): ReferenceLookup {
  const find =
    <T extends { metadata: { name: string; namespace?: string } }>(list: T[] = []) =>
    (ns: string, name: string) =>
      list.find((o) => o.metadata.namespace === ns && o.metadata.name === name);
  return { secret: find(objs.secrets), configMap: find(objs.configMaps), containerSecret: find(objs.csecs) };
}

const registryCsec = csec('reg', { server: '127.0.0.1:5000', username: 'u', passwordSecretRef: { name: 'pw' } });

describe('resolving what a NativeContainer refers to', () => {
  it('takes env values from Secret and ConfigMap keys', () => {
    const nc = nativeContainer({
      env: [
        { name: 'PLAIN', value: 'p' },
        { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'C', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } },
        { name: 'O', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } },
      ],
    });
    const refs = lookup({
      secrets: [secret('s', { k: 'from-secret' })],
      configMaps: [{ metadata: { name: 'c', namespace: 'team-a' }, data: { k: 'from-map' } }],
    });
    expect(resolveReferences(nc, refs).env).toEqual({ PLAIN: 'p', S: 'from-secret', C: 'from-map', O: '' });
  });

  it.each([
    ['a missing Secret', { secretKeyRef: { name: 'nope', key: 'k' } }, 'SecretNotFound', 'Secret nope not found'],
    [
      'a missing Secret key',
      { secretKeyRef: { name: 's', key: 'other' } },
      'SecretNotFound',
      'Secret s has no key other',
    ],
    [
      'a missing ConfigMap',
      { configMapKeyRef: { name: 'nope', key: 'k' } },
      'ConfigMapNotFound',
      'ConfigMap nope not found',
    ],
  ])('reports %s with its reason and names it', (_, valueFrom, reason, message) => {
    const nc = nativeContainer({ env: [{ name: 'X', valueFrom }] });
    const refs = lookup({ secrets: [secret('s', { k: 'v' })] });
    expect(() => resolveReferences(nc, refs)).toThrow(message);
    try {
      resolveReferences(nc, refs);
    } catch (err) {
      expect((err as UnresolvedReferenceError).reason).toBe(reason);
    }
  });

  it('reads registry credentials through the ContainerSecret and its Secret', () => {
    const nc = nativeContainer({ image: '127.0.0.1:5000/app:1', secretRef: { name: 'reg' } });
    const refs = lookup({ csecs: [registryCsec], secrets: [secret('pw', { password: 'hunter2' })] });
    expect(resolveReferences(nc, refs).auth).toEqual({
      username: 'u',
      password: 'hunter2',
      serveraddress: '127.0.0.1:5000',
    });
  });

  it('reports a missing ContainerSecret as SecretNotFound', () => {
    const nc = nativeContainer({ image: '127.0.0.1:5000/app:1', secretRef: { name: 'reg' } });
    expect(() => resolveReferences(nc, lookup({}))).toThrow('ContainerSecret reg not found');
  });

  it('refuses to send credentials to a registry other than the ContainerSecret names', () => {
    const nc = nativeContainer({ image: 'evil.example.com/app:1', secretRef: { name: 'reg' } });
    const refs = lookup({ csecs: [registryCsec], secrets: [secret('pw', { password: 'hunter2' })] });
    expect(() => resolveReferences(nc, refs)).toThrow(/not sent to another registry/);
  });

  // Each case must throw: a check of the message of an error never thrown would prove nothing.
  const dockerConfigCsec = csec('reg', { server: '127.0.0.1:5000', dockerConfigSecretRef: { name: 'dc' } });
  const dockerConfigSecret = (json: string, type = 'kubernetes.io/dockerconfigjson'): Secret =>
    secret('dc', { '.dockerconfigjson': json }, type);
  it.each([
    ['an image on another registry', 'evil.example.com/app:1', registryCsec, secret('pw', { password: 'hunter2' })],
    [
      'a .dockerconfigjson that is not JSON (the parser quotes its input)',
      '127.0.0.1:5000/app:1',
      dockerConfigCsec,
      dockerConfigSecret('{"auths": {"127.0.0.1:5000": {"password": hunter2'),
    ],
    [
      'an auth entry without a colon (it decodes to the password alone)',
      '127.0.0.1:5000/app:1',
      dockerConfigCsec,
      dockerConfigSecret(JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('hunter2') } } })),
    ],
    [
      'a Secret of the wrong type holding the password',
      '127.0.0.1:5000/app:1',
      dockerConfigCsec,
      dockerConfigSecret(JSON.stringify({ auths: { '127.0.0.1:5000': { password: 'hunter2' } } }), 'Opaque'),
    ],
  ])('never puts the password into the error for %s', (_, image, reg, pw) => {
    const nc = nativeContainer({ image, secretRef: { name: 'reg' } });
    let error: unknown;
    try {
      resolveReferences(nc, lookup({ csecs: [reg], secrets: [pw] }));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UnresolvedReferenceError);
    expect((error as Error).message).not.toMatch(/hunter2|aHVudGVyMg/);
  });

  it('names what a resource refers to, for requeueing it when those change', () => {
    const nc = nativeContainer({
      secretRef: { name: 'reg' },
      env: [
        { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        { name: 'C', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } },
      ],
    });
    expect(referencedNames(nc)).toEqual({
      secrets: ['s'],
      configMaps: ['c'],
      containerSecrets: ['reg'],
      imageBuilds: [],
    });
  });
});

describe('ContainerSecret credentials', () => {
  const dockerConfig = (auths: Record<string, unknown>): Secret =>
    secret('d', { '.dockerconfigjson': JSON.stringify({ auths }) }, 'kubernetes.io/dockerconfigjson');
  const fromDockerConfig = (server: string) => csec('c', { server, dockerConfigSecretRef: { name: 'd' } });

  it('takes the password from the key of the Secret, password by default', () => {
    const refs = lookup({ secrets: [secret('pw', { password: 'a', token: 'b' })] });
    expect(credentialsOf(registryCsec, refs.secret).password).toBe('a');
    const withKey = csec('r', { server: 'r.io', username: 'u', passwordSecretRef: { name: 'pw', key: 'token' } });
    expect(credentialsOf(withKey, refs.secret).password).toBe('b');
  });

  it('takes the entry for the server from a docker config Secret, username and password or auth', () => {
    const refs = lookup({
      secrets: [
        dockerConfig({
          'https://127.0.0.1:5000/v1/': { username: 'u1', password: 'p1' },
          'other.io': { auth: b64('u2:p:2') },
        }),
      ],
    });
    expect(credentialsOf(fromDockerConfig('127.0.0.1:5000'), refs.secret)).toMatchObject({
      username: 'u1',
      password: 'p1',
    });
    expect(credentialsOf(fromDockerConfig('other.io'), refs.secret)).toMatchObject({ username: 'u2', password: 'p:2' });
  });

  it.each([
    ['the Secret is missing', lookup({}), 'SecretNotFound'],
    ['the Secret is not a docker config', lookup({ secrets: [secret('d', { x: 'y' })] }), 'InvalidSecret'],
    [
      'the docker config has no entry for the server',
      lookup({ secrets: [dockerConfig({ 'x.io': { auth: b64('a:b') } })] }),
      'SecretNotFound',
    ],
  ])('says why when %s', (_, refs, reason) => {
    expect(() => credentialsOf(fromDockerConfig('r.io'), refs.secret)).toThrow(
      expect.objectContaining({ reason }) as Error,
    );
  });

  it('addresses Docker Hub by its historical index URL', () => {
    expect(serverAddress('docker.io')).toBe('https://index.docker.io/v1/');
    expect(serverAddress('http://127.0.0.1:5000/')).toBe('127.0.0.1:5000');
  });
});
