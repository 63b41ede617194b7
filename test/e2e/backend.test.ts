// The Docker backend against the real dockerd and a real registry: every container field, every
// operation, and the failures the controllers turn into condition reasons.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  ImagePullError,
  InvalidConfigError,
  RegistryAuthError,
  type ContainerConfig,
  type PullProgress,
} from '../../src/backend/container-backend.ts';
import { DockerBackend } from '../../src/backend/docker-backend.ts';
import type { Registry } from '../../src/local/registry.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import { buildUniqueImage, forgetImages, registryWith, forgetRegistry } from './helpers.ts';
import { docker, env } from './support.ts';
import { cleanupSteps, removeContainers } from './cleanup.ts';

const RUN = `nco-backend-${Date.now().toString(36)}`;
const LABEL = { 'nco-test/run': RUN };
const MiB = 1024 * 1024;

function config(name: string, extra: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    name: `${RUN}-${name}`,
    image: TEST_IMAGE,
    command: ['/bin/sh', '-c'],
    args: ['trap "exit 0" TERM; sleep 3600 & wait'],
    env: {},
    labels: LABEL,
    tty: false,
    openStdin: false,
    mounts: [],
    ports: [],
    resources: {},
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    log: { type: 'json-file', config: {} },
    ...extra,
  };
}

describe('the Docker backend', () => {
  let backend: DockerBackend;
  let registry: Registry;

  beforeAll(async () => {
    backend = new DockerBackend({ host: env().dockerHost, networkMode: 'none' });
    await buildUniqueImage(`nco-test/unique:${RUN}`, 3 * MiB);
    registry = await registryWith({ 'backend/app:1': TEST_IMAGE, 'backend/unique:1': `nco-test/unique:${RUN}` });
    // Only the registry has the unique layer now.
    await forgetImages([`nco-test/unique:${RUN}`]);
  });

  afterAll(async () => {
    await cleanupSteps([
      () => removeContainers(docker(), [`nco-test/run=${RUN}`]),
      async () => {
        for (const v of (await docker().listVolumes({ filters: { label: [`nco-test/run=${RUN}`] } })).Volumes ?? []) {
          await docker().getVolume(v.Name).remove();
        }
      },
      () => forgetRegistry(registry),
      () => registry?.stop(),
    ]);
  });

  it('creates a container with every field of the spec', async () => {
    await backend.createVolume(`${RUN}-data`, LABEL);
    const id = await backend.create(
      config('full', {
        env: { A: '1', B: 'two words' },
        tty: true,
        openStdin: true,
        workingDir: '/tmp',
        hostname: 'web-1.example',
        mounts: [{ volume: `${RUN}-data`, target: '/data', readOnly: true }],
        ports: [
          { containerPort: 80, protocol: 'tcp', hostPort: 18080, hostIP: '127.0.0.1' },
          { containerPort: 53, protocol: 'udp' },
        ],
        healthcheck: { command: ['true'], intervalSeconds: 5, timeoutSeconds: 2, retries: 4, startPeriodSeconds: 1 },
        resources: { nanoCpus: 500_000_000, memoryBytes: 64 * MiB },
        restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
        stopSignal: 'SIGINT',
        stopTimeoutSeconds: 7,
        log: { type: 'local', config: { 'max-size': '10m', 'max-file': '1', compress: 'false' } },
      }),
    );
    const info = await docker().getContainer(id).inspect();
    expect(info.Config).toMatchObject({
      Entrypoint: ['/bin/sh', '-c'],
      Tty: true,
      OpenStdin: true,
      WorkingDir: '/tmp',
      Hostname: 'web-1.example',
      StopSignal: 'SIGINT',
      StopTimeout: 7,
      Healthcheck: { Test: ['CMD', 'true'], Interval: 5e9, Timeout: 2e9, Retries: 4, StartPeriod: 1e9 },
    });
    expect(info.Config.Env).toEqual(expect.arrayContaining(['A=1', 'B=two words']));
    expect(Object.keys(info.Config.ExposedPorts ?? {}).sort()).toEqual(['53/udp', '80/tcp']);
    expect(info.HostConfig).toMatchObject({
      NanoCpus: 500_000_000,
      Memory: 64 * MiB,
      MemorySwap: 64 * MiB,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      LogConfig: { Type: 'local', Config: { 'max-size': '10m', 'max-file': '1', compress: 'false' } },
      PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] },
      Mounts: [{ Type: 'volume', Source: `${RUN}-data`, Target: '/data', ReadOnly: true }],
    });
    expect(await backend.inspect(id)).toMatchObject({
      state: 'created',
      resources: { nanoCpus: 500_000_000, memoryBytes: 64 * MiB },
      restartPolicy: { name: 'on-failure', maximumRetryCount: 3 },
      ports: [
        { containerPort: 53, protocol: 'udp' },
        { containerPort: 80, protocol: 'tcp', hostPort: 18080, hostIP: '127.0.0.1' },
      ],
    });
  });

  it('starts, pauses, unpauses, restarts and stops a container, keeping its ID', async () => {
    const id = await backend.create(config('states'));
    await backend.start(id);
    expect((await backend.inspect(id))?.state).toBe('running');
    await backend.pause(id);
    expect((await backend.inspect(id))?.state).toBe('paused');
    await backend.unpause(id);
    const before = await backend.inspect(id);
    await backend.restart(id, 5);
    const after = await backend.inspect(id);
    expect(after).toMatchObject({ id, state: 'running' });
    expect(after?.startedAt).not.toBe(before?.startedAt);
    await backend.stop(id, 5);
    expect((await backend.inspect(id))?.state).toBe('exited');
    await backend.start(id);
    await backend.start(id); // starting a running container is not an error
  });

  it('raises and lowers the memory limit in place, which Docker allows only with memory-swap', async () => {
    const id = await backend.create(config('memory', { resources: { memoryBytes: 32 * MiB } }));
    await backend.start(id);
    await backend.update(id, { resources: { memoryBytes: 128 * MiB } });
    expect((await backend.inspect(id))?.resources).toEqual({ memoryBytes: 128 * MiB });
    await backend.update(id, { resources: { memoryBytes: 16 * MiB, nanoCpus: 250_000_000 } });
    const info = await docker().getContainer(id).inspect();
    expect([info.HostConfig.Memory, info.HostConfig.MemorySwap, info.HostConfig.NanoCpus]).toEqual([
      16 * MiB,
      16 * MiB,
      250_000_000,
    ]);
    expect(info.State.Running).toBe(true);
  });

  it('changes the restart policy in place', async () => {
    const id = await backend.create(config('policy'));
    await backend.update(id, { restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 } });
    expect((await backend.inspect(id))?.restartPolicy).toEqual({ name: 'unless-stopped', maximumRetryCount: 0 });
  });

  it('refuses more CPUs than the host has with an InvalidConfigError', async () => {
    await expect(backend.create(config('too-many-cpus', { resources: { nanoCpus: 1000e9 } }))).rejects.toBeInstanceOf(
      InvalidConfigError,
    );
  });

  it('renames a container and removes a paused one', async () => {
    const id = await backend.create(config('old-name'));
    await backend.rename(id, `${RUN}-new-name`);
    expect((await backend.inspect(id))?.name).toBe(`${RUN}-new-name`);
    await backend.start(id);
    await backend.pause(id);
    await backend.remove(id);
    expect(await backend.inspect(id)).toBeUndefined();
    await backend.remove(id); // already gone is success
  });

  it('keeps volumes when a container is removed and refuses to remove one in use', async () => {
    const name = `${RUN}-kept`;
    await backend.createVolume(name, { ...LABEL, purpose: 'kept' });
    await backend.createVolume(name, { ...LABEL, purpose: 'kept' }); // idempotent
    expect(await backend.listVolumes({ ...LABEL, purpose: 'kept' })).toEqual([
      { name, labels: { ...LABEL, purpose: 'kept' } },
    ]);
    const id = await backend.create(
      config('uses-volume', { mounts: [{ volume: name, target: '/v', readOnly: false }] }),
    );
    await expect(backend.removeVolume(name)).rejects.toBeInstanceOf(ConflictError);
    await backend.remove(id);
    expect(await backend.listVolumes({ ...LABEL, purpose: 'kept' })).toHaveLength(1);
    await backend.removeVolume(name);
    await backend.removeVolume(name); // already gone is success
    expect(await backend.listVolumes({ ...LABEL, purpose: 'kept' })).toEqual([]);
  });

  it('pulls from a private registry with the right credentials and reports progress', async () => {
    const ref = `${registry.host}/backend/unique:1`;
    await forgetImages([ref]);
    const progress: PullProgress[] = [];
    await backend.pull(ref, (p) => progress.push(p), auth(registry.password));
    expect(await backend.imagePresent(ref)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    const last = progress.filter((p) => p.total !== undefined).at(-1);
    expect(last?.total).toBeGreaterThanOrEqual(MiB);
    await forgetImages([ref]);
  });

  it.each([
    ['wrong credentials', 'Unauthorized', 'backend/app:1', 'wrong'],
    ['no credentials', 'Unauthorized', 'backend/app:1', undefined],
    ['a tag the registry does not have', 'NotFound', 'backend/app:404', 'right'],
  ])('classifies a pull with %s as %s', async (_, kind, repoTag, password) => {
    const ref = `${registry.host}/${repoTag}`;
    await forgetImages([ref]);
    const pw = password === 'right' ? registry.password : password;
    const err: unknown = await backend
      .pull(ref, () => undefined, pw === undefined ? undefined : auth(pw))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImagePullError);
    expect((err as ImagePullError).kind).toBe(kind);
    expect((err as Error).message).not.toContain(registry.password);
  });

  it('classifies a pull from a registry nobody listens on as Unreachable', async () => {
    const err: unknown = await backend.pull('127.0.0.1:1/app:1', () => undefined).catch((e: unknown) => e);
    expect((err as ImagePullError).kind).toBe('Unreachable');
  });

  it('checks credentials against the registry without pulling', async () => {
    await backend.checkAuth(auth(registry.password));
    const wrong: unknown = await backend.checkAuth(auth('wrong')).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(RegistryAuthError);
    expect((wrong as RegistryAuthError).kind).toBe('Unauthorized');
    const unreachable: unknown = await backend
      .checkAuth({ username: 'u', password: 'p', serveraddress: '127.0.0.1:1' })
      .catch((e: unknown) => e);
    expect((unreachable as RegistryAuthError).kind).toBe('Unreachable');
  });

  function auth(password: string) {
    return { username: registry.username, password, serveraddress: registry.host };
  }
});
