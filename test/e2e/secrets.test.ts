// Registry credentials never leak. The operator runs at debug level while a NativeContainer
// pulls from the harness's real registry (htpasswd auth) through a ContainerSecret, another one
// fails its pull with a wrong password, and the first is rebuilt (pulling again). Then the
// password, the wrong password, and the base64 forms a registry login carries (user:password, as
// in an Authorization header or a docker config `auth`) are searched for in everything the
// operator wrote: its log, the Events, the status of every resource, and the Docker containers
// (labels, environment, the whole inspect, and the environment of the running process).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import type { Registry } from '../../src/local/registry.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import {
  condition,
  execIn,
  forgetImages,
  cleanupWithRegistry,
  kubectlApply,
  patchSpec,
  registryWith,
  waitFor,
  waitForReason,
} from './helpers.ts';
import { containersOf, createNamespace, docker, eventually, kubectl, startOperator } from './support.ts';

describe('registry credentials stay secret', () => {
  let registry: Registry;
  let operator: ProcessHandle;
  let ns: string;
  const wrongPassword = `wrong-${randomBytes(6).toString('hex')}`;
  const image = (): string => `${registry.host}/secret/app:1`;

  const credentials = (name: string, password: string): unknown[] => [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-pw` }, stringData: { password } },
    {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'ContainerSecret',
      metadata: { name },
      spec: { server: registry.host, username: registry.username, passwordSecretRef: { name: `${name}-pw` } },
    },
  ];
  const container = (name: string, secret: string): unknown => ({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name },
    spec: {
      image: image(),
      imagePullPolicy: 'Always',
      secretRef: { name: secret },
      command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
      env: [{ name: 'GREETING', value: 'hello' }],
    },
  });

  beforeAll(async () => {
    registry = await registryWith({ 'secret/app:1': TEST_IMAGE });
    await forgetImages([image()]);
    ns = await createNamespace('secrets');
    operator = startOperator('secrets', { LOG_LEVEL: 'debug' });
  });

  afterAll(() => cleanupWithRegistry(ns, operator, registry));

  it('pulls with the right password, fails with a wrong one, rebuilds, and the secrets show up nowhere', async () => {
    for (const doc of [...credentials('right', registry.password), container('app', 'right')]) {
      await kubectlApply(ns, doc);
    }
    const first = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'app'], 'Ready', 'Running', operator);

    for (const doc of [...credentials('wrong', wrongPassword), container('denied', 'wrong')]) {
      await kubectlApply(ns, doc);
    }
    const denied = await waitForReason<NativeContainer>(
      ['-n', ns, 'nc', 'denied'],
      'Ready',
      'RegistryAuthFailed',
      operator,
    );
    expect(condition(denied, 'Ready')?.message).toContain('unauthorized');
    expect(await containersOf(ns, 'denied')).toEqual([]);

    // A rebuild pulls again (imagePullPolicy Always) with the credentials.
    await patchSpec(ns, 'nc/app', { rebuildRequest: 'again' });
    const rebuilt = await waitFor<NativeContainer>(
      'app rebuilt',
      ['-n', ns, 'nc', 'app'],
      (o) => condition(o, 'Ready')?.status === 'True' && o.status?.containerID !== first.status?.containerID,
      operator,
    );
    const [info] = await containersOf(ns, 'app');
    expect(info?.Id).toBe(rebuilt.status?.containerID);

    const secrets = secretForms(registry.username, registry.password, wrongPassword);
    const log = readFileSync(operator.logFile, 'utf8');
    // The log is at debug level and covers the pulls: the check looked at something.
    expect(log).toMatch(/"level":20.*"msg":"pulling with registry credentials"/);
    expect(log).toMatch(/"level":20.*"msg":"checking the credentials with the registry"/);
    expect(log).toContain(image());
    // Events are written after the status, on their own: wait for the one of the failed pull.
    let events = '';
    await eventually(
      'the RegistryAuthFailed Event',
      async () =>
        (events = (await kubectl(['get', 'events', '-n', ns, '-o', 'json'])).stdout).includes('RegistryAuthFailed'),
      operator,
    );
    const statuses = (await kubectl(['get', 'nc,csec', '-n', ns, '-o', 'json'])).stdout;
    const inspected = JSON.stringify(await docker().getContainer(info!.Id).inspect());
    const processEnv = await execIn(info!.Id, ['cat', '/proc/1/environ']);
    expect(processEnv).toContain('GREETING=hello');
    const places = { log, events, statuses, inspected, processEnv };
    for (const [where, text] of Object.entries(places)) {
      for (const [what, secret] of Object.entries(secrets)) {
        expect(text.includes(secret), `${what} in ${where}`).toBe(false);
      }
    }
  });
});

/** The password, the wrong one, and the base64 forms a login carries them in. */
function secretForms(username: string, password: string, wrong: string): Record<string, string> {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const b64url = (s: string): string => Buffer.from(s).toString('base64url');
  return {
    password,
    'wrong password': wrong,
    'base64 of user:password': b64(`${username}:${password}`),
    'base64url of user:password': b64url(`${username}:${password}`),
    'base64 of user:wrong': b64(`${username}:${wrong}`),
    'base64 of the password': b64(password),
  };
}
