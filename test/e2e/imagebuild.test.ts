// ImageBuild end to end, on a real dockerd and a real htpasswd registry: a private base image
// pulled with registryAuths, the push and its digest as the registry has it, the failures
// (BuildFailed, Timeout, TagExists, RegistryAuthFailed, InvalidDockerfile), builds waiting for
// the host's one build slot, a NativeContainer rolled by each successful build and left on the
// last good image by a failed one, and deletion. No password may show up anywhere.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageBuild } from '../../src/api/image-build.ts';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { BUILD_LABELS } from '../../src/controllers/imagebuild/identity.ts';
import { httpRequest } from '../../src/local/http-request.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import type { Registry } from '../../src/local/registry.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import { cleanupSteps } from './cleanup.ts';
import {
  applyRegistryCredentials,
  condition,
  execIn,
  forgetRegistry,
  kubectlApply,
  registryWith,
  waitFor,
  waitForReason,
} from './helpers.ts';
import { containersOf, createNamespace, docker, eventually, getJson, kubectl, startOperator } from './support.ts';

const BASE = 'base/busybox:1';
/** A second private base image that only the test without registryAuths uses (never pulled before). */
const UNPULLED = 'base/unpulled:1';

describe('ImageBuild', () => {
  let operator: ProcessHandle;
  let registry: Registry;
  let ns: string;

  const base = (): string => `${registry.host}/${BASE}`;
  const target = (repo: string, tag = '1'): string => `${registry.host}/apps/${repo}:${tag}`;
  const build = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name },
    spec: { secretRef: { name: 'push' }, registryAuths: [{ name: 'push' }], ...spec },
  });
  const from = (lines: string[]): string => [`FROM ${base()}`, ...lines].join('\n') + '\n';
  const ib = (name: string): string[] => ['-n', ns, 'ib', name];
  const phase = (name: string, p: string) =>
    waitFor<ImageBuild>(`ib ${name} phase ${p}`, ib(name), (o) => o.status?.phase === p, operator);

  beforeAll(async () => {
    registry = await registryWith({ [BASE]: TEST_IMAGE, [UNPULLED]: TEST_IMAGE });
    ns = await createNamespace('imagebuild');
    await applyRegistryCredentials(ns, registry, 'push');
    operator = startOperator('imagebuild');
  });

  afterAll(async () => {
    await cleanupSteps([
      () => kubectl(['delete', 'nc,ib,csec', '--all', '-n', ns, '--timeout=120s'], { allowFail: true }),
      () => operator?.stop(),
      () => forgetRegistry(registry),
      () => registry?.stop(),
    ]);
  });

  it('builds FROM a private base image and pushes; the digest in status is the registry’s', async () => {
    await kubectlApply(
      ns,
      build('hello', {
        dockerfile: from(['COPY greeting /greeting', 'ARG WHO', 'RUN echo "hello $WHO" >> /greeting']),
        context: [{ path: 'greeting', configMapKeyRef: { name: 'files', key: 'greeting' } }],
        buildArgs: { WHO: 'world' },
        image: target('hello'),
        labels: { team: 'a' },
        description: 'the hello image',
      }),
    );
    await kubectlApply(ns, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'files' },
      data: { greeting: 'hi\n' },
    });
    const done = await phase('hello', 'Succeeded');
    expect(condition(done, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    const digest = done.status?.imageDigest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(done.status?.image).toBe(`${registry.host}/apps/hello@${digest}`);
    expect(done.status?.shortDigest).toBe(digest?.slice(7, 19));
    expect(done.status?.imageSize).toBeGreaterThan(0);
    expect(done.status?.history?.[0]).toMatchObject({
      result: 'Succeeded',
      digest,
      generation: done.metadata.generation,
    });
    expect(await manifestDigest(registry, 'apps/hello', '1')).toBe(digest);
    const table = (await kubectl(['get', ...ib('hello')])).stdout.split('\n');
    expect(table[0]?.split(/\s+/)).toEqual(['NAME', 'PHASE', 'IMAGE', 'DIGEST', 'AGE']);
    expect(table[1]?.split(/\s+/).slice(0, 4)).toEqual(['hello', 'Succeeded', target('hello'), digest?.slice(7, 19)]);
    const info = await docker().getImage(target('hello')).inspect();
    expect(info.Config.Labels).toMatchObject({ team: 'a', 'org.opencontainers.image.description': 'the hello image' });
  });

  it('builds a stage of a Dockerfile from a ConfigMap, with a file from a Secret, within limits', async () => {
    await kubectlApply(ns, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'multistage' },
      data: {
        Dockerfile: [
          `FROM ${base()} AS first`,
          'COPY token /token',
          'RUN grep -q s3cret-file /token',
          'LABEL stage=first',
          `FROM ${base()} AS second`,
          'LABEL stage=second',
        ].join('\n'),
      },
    });
    await kubectlApply(ns, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'files' },
      stringData: { token: 's3cret-file' },
    });
    await kubectlApply(
      ns,
      build('staged', {
        dockerfileFrom: { name: 'multistage', key: 'Dockerfile' },
        context: [{ path: 'token', mode: 0o600, secretKeyRef: { name: 'files', key: 'token' } }],
        target: 'first',
        noCache: true,
        resources: { cpu: '500m', memory: '128Mi' },
        image: target('staged'),
      }),
    );
    await phase('staged', 'Succeeded');
    const info = await docker().getImage(target('staged')).inspect();
    expect(info.Config.Labels).toMatchObject({ stage: 'first' });
  });

  it('says RegistryAuthFailed for a private base image without registryAuths', async () => {
    await kubectlApply(ns, {
      ...build('nobaseauth', {}),
      spec: {
        secretRef: { name: 'push' },
        dockerfile: `FROM ${registry.host}/${UNPULLED}\nRUN true\n`,
        image: target('nobaseauth'),
      },
    });
    const refused = await waitForReason<ImageBuild>(ib('nobaseauth'), 'Ready', 'RegistryAuthFailed', operator);
    expect(condition(refused, 'Ready')?.message).toContain('base image');
  });

  it('says BuildFailed naming the failing step, with its output in status', async () => {
    await kubectlApply(
      ns,
      build('fails', { dockerfile: from(['RUN echo about-to-fail', 'RUN false']), image: target('fails') }),
    );
    const failed = await waitForReason<ImageBuild>(ib('fails'), 'Ready', 'BuildFailed', operator);
    expect(failed.status?.phase).toBe('Failed');
    // Docker counts the LABEL steps of the image labels too: Step 3/N.
    expect(condition(failed, 'Ready')?.message).toMatch(/Step 3\/\d+ : RUN false failed/);
    expect(condition(failed, 'Stalled')?.status).toBe('True');
    expect(failed.status?.output?.join('\n')).toContain('about-to-fail');
    expect(failed.status?.output?.join('\n')).toContain('non-zero code');
    // The layer of the step that passed went with the failed build; the base image stays.
    const layers = (failed.status?.output ?? []).flatMap((l) => /^ ---> ([0-9a-f]{12})$/.exec(l)?.[1] ?? []);
    expect(layers).toHaveLength(2);
    await expect(docker().getImage(layers[0]!).inspect()).resolves.toBeDefined();
    await expect(docker().getImage(layers[1]!).inspect()).rejects.toThrow(/no such image/i);
  });

  it('says InvalidDockerfile for a Dockerfile Docker cannot parse', async () => {
    await kubectlApply(ns, build('invalid', { dockerfile: 'NOTANINSTRUCTION x\n', image: target('invalid') }));
    await waitForReason<ImageBuild>(ib('invalid'), 'Ready', 'InvalidDockerfile', operator);
  });

  it('aborts a build that exceeds its timeout (Timeout) and leaves nothing running', async () => {
    await kubectlApply(
      ns,
      build('slow', { dockerfile: from(['RUN sleep 97']), image: target('slow'), timeoutSeconds: 5 }),
    );
    const timedOut = await waitForReason<ImageBuild>(ib('slow'), 'Ready', 'Timeout', operator);
    expect(condition(timedOut, 'Ready')?.message).toContain('5s');
    await noContainerRuns('sleep 97');
  });

  it('stops a build in flight when its ImageBuild is deleted, leaving nothing running', async () => {
    await kubectlApply(ns, build('doomed', { dockerfile: from(['RUN sleep 98']), image: target('doomed') }));
    await waitFor<ImageBuild>(
      'ib doomed building its RUN step',
      ib('doomed'),
      (o) => o.status?.progress?.instruction === 'RUN sleep 98',
      operator,
    );
    // Well within the 98 s the step would take.
    await kubectl(['delete', '-n', ns, 'ib', 'doomed', '--timeout=30s']);
    await noContainerRuns('sleep 98');
  });

  it('refuses to replace an existing tag (TagExists) without building anything', async () => {
    await kubectlApply(ns, build('exists', { dockerfile: from(['RUN true']), image: base() }));
    const refused = await waitForReason<ImageBuild>(ib('exists'), 'Ready', 'TagExists', operator);
    expect(refused.status?.output ?? []).toEqual([]);
    const images = await docker().listImages({ filters: { label: [`${BUILD_LABELS.uid}=${refused.metadata.uid}`] } });
    expect(images).toEqual([]);
  });

  it('says RegistryAuthFailed for a wrong password, and builds once only the Secret is fixed', async () => {
    await kubectlApply(ns, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong-pw' },
      stringData: { password: 'not-it' },
    });
    await kubectlApply(ns, {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'ContainerSecret',
      metadata: { name: 'wrong' },
      spec: { server: registry.host, username: registry.username, passwordSecretRef: { name: 'wrong-pw' } },
    });
    await kubectlApply(ns, {
      ...build('wrongpw', { dockerfile: from(['RUN true']), image: target('wrongpw') }),
      spec: { secretRef: { name: 'wrong' }, dockerfile: from(['RUN true']), image: target('wrongpw') },
    });
    const refused = await waitForReason<ImageBuild>(ib('wrongpw'), 'Ready', 'RegistryAuthFailed', operator);
    expect(condition(refused, 'Stalled')?.status).toBe('True');

    await kubectlApply(ns, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong-pw' },
      stringData: { password: registry.password },
    });
    const fixed = await phase('wrongpw', 'Succeeded');
    expect(fixed.metadata.generation).toBe(refused.metadata.generation);
    expect(fixed.status?.history?.map((h) => h.reason)).toEqual(['Succeeded', 'RegistryAuthFailed']);
  });

  it('runs two builds on one host one after the other (one build slot)', async () => {
    const slow = (name: string) =>
      build(name, { dockerfile: from([`RUN sleep 3 && echo ${name}`]), image: target(name) });
    await kubectlApply(ns, slow('first'));
    await kubectlApply(ns, slow('second'));
    const a = await phase('first', 'Succeeded');
    const b = await phase('second', 'Succeeded');
    const [earlier, later] = [a, b].sort((x, y) => Date.parse(x.status!.startedAt!) - Date.parse(y.status!.startedAt!));
    expect(Date.parse(later!.status!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(earlier!.status!.completedAt!));
    expect(readFileSync(operator.logFile, 'utf8')).toContain('Waiting for a build slot');
  });

  it('rolls a NativeContainer with imageFrom after each successful build, and not after a failed one', async () => {
    await kubectlApply(ns, {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'NativeContainer',
      metadata: { name: 'app' },
      spec: { imageFrom: { imageBuild: 'app' }, command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] },
    });
    await waitForReason<NativeContainer>(['-n', ns, 'nc', 'app'], 'Ready', 'ImageBuildPending', operator);
    expect(await containersOf(ns, 'app')).toEqual([]);

    const appBuild = (lines: string[]) =>
      build('app', { dockerfile: from(lines), image: target('app'), overwriteTag: false });
    await kubectlApply(ns, appBuild(['RUN echo one > /version']));
    const first = await phase('app', 'Succeeded');
    const runs = (what: string, build: ImageBuild) =>
      waitFor<NativeContainer>(
        `nc app runs the ${what} build`,
        ['-n', ns, 'nc', 'app'],
        (o) => condition(o, 'Ready')?.reason === 'Running' && o.status?.imageDigest === build.status?.image,
        operator,
      );
    const running1 = await runs('first', first);
    expect(await execIn(running1.status!.containerID!, ['cat', '/version'])).toBe('one\n');

    await kubectlApply(ns, appBuild(['RUN echo two > /version', 'RUN echo built > /second']));
    const second = await waitFor<ImageBuild>(
      'second build',
      ib('app'),
      (o) => o.status?.phase === 'Succeeded' && o.status.imageDigest !== first.status?.imageDigest,
      operator,
    );
    const running2 = await runs('second', second);
    expect(await execIn(running2.status!.containerID!, ['cat', '/second'])).toBe('built\n');
    expect(running2.status?.containerID).not.toBe(running1.status?.containerID);

    await kubectlApply(ns, appBuild(['RUN echo three > /version', 'RUN false']));
    await waitForReason<ImageBuild>(ib('app'), 'Ready', 'BuildFailed', operator);
    const third = await getJson<ImageBuild>(['get', ...ib('app')]);
    expect(third.status?.image).toBe(second.status?.image);
    expect(third.status?.history?.map((h) => h.result)).toEqual(['Failed', 'Succeeded', 'Succeeded']);
    const still = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'app'], 'Ready', 'Running', operator);
    expect(still.status?.containerID).toBe(running2.status?.containerID);
    expect(await execIn(still.status!.containerID!, ['cat', '/version'])).toBe('two\n');
  });

  it('rolls a container with imageUpdate back from a build that is never healthy, until the next build', async () => {
    await kubectlApply(ns, {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'NativeContainer',
      metadata: { name: 'guarded' },
      spec: {
        imageFrom: { imageBuild: 'guarded' },
        command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
        healthcheck: {
          command: ['/bin/sh', '-c', 'test ! -e /broken || { echo broken build; exit 1; }'],
          intervalSeconds: 1,
          retries: 1,
        },
        imageUpdate: { healthDeadlineSeconds: 10 },
      },
    });
    const guarded = (lines: string[]) =>
      build('guarded', { dockerfile: from(lines), image: target('guarded'), overwriteTag: true });
    const pushedAfter = (what: string, before: ImageBuild | undefined) =>
      waitFor<ImageBuild>(
        what,
        ib('guarded'),
        (o) => o.status?.phase === 'Succeeded' && o.status.imageDigest !== before?.status?.imageDigest,
        operator,
      );
    const nc = ['-n', ns, 'nc', 'guarded'];
    await kubectlApply(ns, guarded(['RUN echo good > /version']));
    const good = await pushedAfter('the good build', undefined);
    await waitFor<NativeContainer>(
      'on the good build',
      nc,
      (o) => o.status?.imageDigest === good.status?.image,
      operator,
    );

    await kubectlApply(ns, guarded(['RUN touch /broken']));
    const broken = await pushedAfter('the broken build', good);
    const rolledBack = await waitFor<NativeContainer>(
      'rolled back to the good build',
      nc,
      (o) => condition(o, 'RolledBack')?.status === 'True' && o.status?.imageDigest === good.status?.image,
      operator,
    );
    expect(rolledBack.status?.rollback?.from).toBe(broken.status?.image);
    expect(rolledBack.status?.imageHistory?.slice(0, 3).map((h) => h.reason)).toEqual([
      'RolledBack',
      'ImageChanged',
      'Created',
    ]);

    // The next successful build ends the rollback and runs.
    await kubectlApply(ns, guarded(['RUN echo fixed > /version']));
    const fixed = await pushedAfter('the fixed build', broken);
    const after = await waitFor<NativeContainer>(
      'on the fixed build',
      nc,
      (o) => o.status?.imageDigest === fixed.status?.image && condition(o, 'Ready')?.reason === 'Running',
      operator,
    );
    expect(after.status?.rollback).toBeUndefined();
    expect(condition(after, 'RolledBack')).toMatchObject({ status: 'False', reason: 'NoRollback' });
    expect(await execIn(after.status!.containerID!, ['cat', '/version'])).toBe('fixed\n');
  });

  it('removes the local images of its builds when deleted, never the pushed image', async () => {
    const hello = await getJson<ImageBuild>(['get', ...ib('hello')]);
    const mine = { filters: { label: [`${BUILD_LABELS.uid}=${hello.metadata.uid}`] } };
    expect((await docker().listImages(mine)).length).toBeGreaterThan(0);
    await kubectl(['delete', '-n', ns, 'ib', 'hello', '--timeout=60s']);
    expect(await docker().listImages(mine)).toEqual([]);
    expect(await manifestDigest(registry, 'apps/hello', '1')).toBe(hello.status?.imageDigest);
  });

  it('never writes a password into status, Events, image labels, history or the operator log', async () => {
    const images = await docker().listImages({ filters: { label: [BUILD_LABELS.uid] } });
    const histories = await Promise.all(images.map((i) => docker().getImage(i.Id).history()));
    const everything = [
      JSON.stringify(await getJson<unknown>(['get', '-n', ns, 'ib,nc'])),
      JSON.stringify(await getJson<unknown>(['get', '-n', ns, 'events'])),
      JSON.stringify(images),
      JSON.stringify(histories),
      readFileSync(operator.logFile, 'utf8'),
    ].join('\n');
    expect(everything).toContain(registry.username);
    expect(everything).not.toContain(registry.password);
  });
});

/** Waits until no container, running or not, has `command` in its command line. */
async function noContainerRuns(command: string): Promise<void> {
  await eventually(`no container of ${command} left`, async () => {
    const all = await docker().listContainers({ all: true });
    return !all.some((c) => c.Command.includes(command));
  });
}

/** The digest the registry serves for repo:tag, asked as docker would (manifest v2, basic auth). */
async function manifestDigest(registry: Registry, repo: string, tag: string): Promise<string | undefined> {
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  const accept = [
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.oci.image.index.v1+json',
  ].join(', ');
  const res = await httpRequest({
    url: `http://${registry.host}/v2/${repo}/manifests/${tag}`,
    method: 'HEAD',
    headers: { Authorization: `Basic ${auth}`, Accept: accept },
  });
  expect(res.status).toBe(200);
  const digest = res.headers['docker-content-digest'];
  return typeof digest === 'string' ? digest : undefined;
}
