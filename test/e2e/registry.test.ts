// Private registries end to end: ContainerSecrets checked against a real registry with htpasswd
// auth, NativeContainers pulling through them, and the repair of wrong credentials by fixing
// only the Secret. The password must show up nowhere: not in status, Events or logs.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSecret } from '../../src/api/container-secret.ts';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { Registry } from '../../src/local/registry.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import {
  condition,
  forgetImages,
  kubectlApply,
  registryWith,
  waitFor,
  waitForReason,
  cleanupWithRegistry,
} from './helpers.ts';
import { containersOf, createNamespace, getJson, kubectl, startOperator } from './support.ts';

const REPOS = ['right', 'wrong', 'dockercfg', 'missing', 'nosecret', 'other'];

describe('private registries and ContainerSecrets', () => {
  let operator: ProcessHandle;
  let registry: Registry;
  let ns: string;

  const image = (repo: string): string => `${registry.host}/${repo}/app:1`;
  const passwordSecret = (name: string, password: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    stringData: { password },
  });
  const csec = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'ContainerSecret',
    metadata: { name },
    spec: { server: registry.host, ...spec },
  });
  const nc = (name: string, img: string, secretRef?: string) => ({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name },
    spec: {
      image: img,
      command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
      ...(secretRef ? { secretRef: { name: secretRef } } : {}),
    },
  });

  beforeAll(async () => {
    registry = await registryWith(Object.fromEntries(REPOS.map((r) => [`${r}/app:1`, TEST_IMAGE])));
    await forgetImages(REPOS.map(image));
    ns = await createNamespace('registry');
    operator = startOperator('registry');
  });

  afterAll(() => cleanupWithRegistry(ns, operator, registry));

  it('verifies the right credentials (Verified) and pulls and runs the private image with them', async () => {
    await kubectlApply(ns, passwordSecret('right-pw', registry.password));
    await kubectlApply(ns, csec('right', { username: registry.username, passwordSecretRef: { name: 'right-pw' } }));
    await kubectlApply(ns, nc('right', image('right'), 'right'));

    const secret = await waitForReason<ContainerSecret>(['-n', ns, 'csec', 'right'], 'Ready', 'Verified', operator);
    expect(condition(secret, 'Ready')?.status).toBe('True');
    expect(secret.status?.lastVerifiedTime).toBeDefined();
    const ready = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'right'], 'Ready', 'Running', operator);
    expect(ready.status?.imageDigest).toMatch(new RegExp(`^${registry.host}/right/app@sha256:[0-9a-f]{64}$`));
    const [info] = await containersOf(ns, 'right');
    expect(info?.Image).toBe(image('right'));
  });

  it('refuses wrong credentials (AuthFailed, RegistryAuthFailed) without creating a container, and recovers when only the Secret is fixed', async () => {
    await kubectlApply(ns, passwordSecret('wrong-pw', 'not-the-password'));
    await kubectlApply(ns, csec('wrong', { username: registry.username, passwordSecretRef: { name: 'wrong-pw' } }));
    await kubectlApply(ns, nc('wrong', image('wrong'), 'wrong'));

    await waitForReason<ContainerSecret>(['-n', ns, 'csec', 'wrong'], 'Ready', 'AuthFailed', operator);
    const failed = await waitForReason<NativeContainer>(
      ['-n', ns, 'nc', 'wrong'],
      'Ready',
      'RegistryAuthFailed',
      operator,
    );
    expect(condition(failed, 'Stalled')).toMatchObject({ status: 'True', reason: 'RegistryAuthFailed' });
    expect(condition(failed, 'Ready')?.message).toContain('unauthorized');
    expect(await containersOf(ns, 'wrong')).toEqual([]);
    const generation = failed.metadata.generation;

    await kubectlApply(ns, passwordSecret('wrong-pw', registry.password));
    await waitForReason<ContainerSecret>(['-n', ns, 'csec', 'wrong'], 'Ready', 'Verified', operator);
    const fixed = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'wrong'], 'Ready', 'Running', operator);
    expect(fixed.metadata.generation).toBe(generation);
    expect(await containersOf(ns, 'wrong')).toHaveLength(1);
  });

  it('uses a kubernetes.io/dockerconfigjson Secret as kubectl create secret docker-registry makes it', async () => {
    await kubectl([
      'create',
      'secret',
      'docker-registry',
      'regcred',
      '-n',
      ns,
      `--docker-server=${registry.host}`,
      `--docker-username=${registry.username}`,
      `--docker-password=${registry.password}`,
    ]);
    await kubectlApply(ns, csec('dockercfg', { dockerConfigSecretRef: { name: 'regcred' } }));
    await kubectlApply(ns, nc('dockercfg', image('dockercfg'), 'dockercfg'));
    await waitForReason<ContainerSecret>(['-n', ns, 'csec', 'dockercfg'], 'Ready', 'Verified', operator);
    await waitForReason<NativeContainer>(['-n', ns, 'nc', 'dockercfg'], 'Ready', 'Running', operator);
  });

  it('says SecretNotFound while the Secret is missing, and pulls once it is created', async () => {
    await kubectlApply(ns, csec('missing', { username: registry.username, passwordSecretRef: { name: 'later' } }));
    await kubectlApply(ns, nc('missing', image('missing'), 'missing'));
    await waitForReason<ContainerSecret>(['-n', ns, 'csec', 'missing'], 'Ready', 'SecretNotFound', operator);
    const waiting = await waitForReason<NativeContainer>(
      ['-n', ns, 'nc', 'missing'],
      'Ready',
      'SecretNotFound',
      operator,
    );
    expect(condition(waiting, 'Ready')?.message).toContain('Secret later not found');
    expect(await containersOf(ns, 'missing')).toEqual([]);

    await kubectlApply(ns, passwordSecret('later', registry.password));
    await waitForReason<NativeContainer>(['-n', ns, 'nc', 'missing'], 'Ready', 'Running', operator);
  });

  it('says RegistryAuthFailed with a hint when a private image has no secretRef', async () => {
    await kubectlApply(ns, nc('nosecret', image('nosecret')));
    const failed = await waitForReason<NativeContainer>(
      ['-n', ns, 'nc', 'nosecret'],
      'Ready',
      'RegistryAuthFailed',
      operator,
    );
    expect(condition(failed, 'Ready')?.message).toContain('set spec.secretRef');
    expect(await containersOf(ns, 'nosecret')).toEqual([]);
  });

  it('never sends credentials to another registry than the ContainerSecret names (InvalidSpec)', async () => {
    await kubectlApply(ns, nc('other', `127.0.0.1:1/other/app:1`, 'right'));
    const refused = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'other'], 'Ready', 'InvalidSpec', operator);
    expect(condition(refused, 'Ready')?.message).toContain('not sent to another registry');
  });

  it('says ImageNotFound for a tag the registry does not have', async () => {
    await kubectlApply(ns, nc('notag', `${registry.host}/right/app:404`, 'right'));
    await waitForReason<NativeContainer>(['-n', ns, 'nc', 'notag'], 'Ready', 'ImageNotFound', operator);
    expect(await containersOf(ns, 'notag')).toEqual([]);
  });

  it('says RegistryUnreachable for a registry nobody answers at', async () => {
    await kubectlApply(ns, passwordSecret('nowhere-pw', 'x'));
    await kubectlApply(ns, {
      ...csec('nowhere', { username: 'u', passwordSecretRef: { name: 'nowhere-pw' } }),
      spec: { server: '127.0.0.1:1', username: 'u', passwordSecretRef: { name: 'nowhere-pw' } },
    });
    const s = await waitForReason<ContainerSecret>(
      ['-n', ns, 'csec', 'nowhere'],
      'Ready',
      'RegistryUnreachable',
      operator,
    );
    expect(condition(s, 'Reconciling')?.status).toBe('True');
  });

  it('refuses an inline password at the API server', async () => {
    const res = await kubectl(['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify(csec('inline', { username: 'u', password: 'hunter2' })),
      allowFail: true,
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('unknown field "spec.password"');
  });

  it('never writes the password into status, Events or the operator log', async () => {
    await waitFor<ContainerSecret>(
      'all ContainerSecrets judged',
      ['-n', ns, 'csec', 'right'],
      (o) => !!condition(o, 'Ready'),
    );
    const everything = [
      JSON.stringify(await getJson<unknown>(['get', '-n', ns, 'csec'])),
      JSON.stringify(await getJson<unknown>(['get', '-n', ns, 'nc'])),
      JSON.stringify(await getJson<unknown>(['get', '-n', ns, 'events'])),
      readFileSync(operator.logFile, 'utf8'),
    ].join('\n');
    expect(everything).toContain(registry.username);
    expect(everything).not.toContain(registry.password);
  });
});
