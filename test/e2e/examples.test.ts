// Every example in manifests/examples/ applied as a user would, each becoming Ready, and the
// feature it shows visible on the Docker container. The private-registry examples are applied
// with the test registry's address and password put in for the placeholders.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSecret } from '../../src/api/container-secret.ts';
import type { ImageBuild } from '../../src/api/image-build.ts';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { Registry } from '../../src/local/registry.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import {
  applyAdmitted,
  applyPolicies,
  condition,
  forgetImages,
  forgetRegistry,
  refusedAtAdmission,
  registryWith,
  waitForReason,
} from './helpers.ts';
import { parseAllDocuments } from 'yaml';
import { containersOf, createNamespace, docker, EXAMPLES, getJson, kubectl, startOperator } from './support.ts';
import { cleanupSteps } from './cleanup.ts';

type Check = (c: Docker.ContainerInspectInfo, nc: NativeContainer) => void;

const MiB = 1024 * 1024;

/** What each top-level example shows, checked on its container; keyed by file. */
const CHECKS: Record<string, [name: string, check: Check]> = {
  'hello.yaml': ['hello', (c) => expect(c.State.Running).toBe(true)],
  'stopped.yaml': ['stopped', (c) => expect(c.State.Running).toBe(false)],
  'paused.yaml': ['paused', (c) => expect(c.State.Paused).toBe(true)],
  'resources.yaml': [
    'limited',
    (c) =>
      expect([c.HostConfig.NanoCpus, c.HostConfig.Memory, c.HostConfig.MemorySwap]).toEqual([5e8, 64 * MiB, 64 * MiB]),
  ],
  'volumes.yaml': [
    'with-volumes',
    (c) =>
      expect(c.Mounts.map((m) => [m.Destination, m.Type, m.RW])).toEqual(
        expect.arrayContaining([
          ['/data', 'volume', true],
          ['/etc/app', 'volume', false],
        ]),
      ),
  ],
  'ports.yaml': [
    'with-ports',
    (c, nc) => {
      expect(c.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '18080' }] });
      expect(Object.keys(c.Config.ExposedPorts ?? {}).sort()).toEqual(['5353/udp', '8080/tcp']);
      expect(nc.status?.ports).toEqual(
        expect.arrayContaining([{ containerPort: 8080, protocol: 'TCP', hostIP: '127.0.0.1', hostPort: 18080 }]),
      );
    },
  ],
  'healthcheck.yaml': [
    'healthy',
    (c, nc) => {
      expect(c.Config.Healthcheck?.Test).toEqual(['CMD', 'test', '-f', '/tmp/ready']);
      expect(nc.status?.health).toBe('healthy');
      expect(nc.spec.healthcheck?.onUnhealthy).toBe('Restart');
      expect(nc.status?.restartCount).toBe(0);
    },
  ],
  'restart-policy.yaml': [
    'on-failure',
    (c) => expect(c.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 5 }),
  ],
  'env-from.yaml': [
    'env-from',
    (c) =>
      expect(c.Config.Env).toEqual(expect.arrayContaining(['MODE=production', 'TOKEN=example-token', 'OPTIONAL='])),
  ],
  'process.yaml': [
    'process',
    (c) => {
      expect(c.Config).toMatchObject({ Hostname: 'process-1.example', WorkingDir: '/tmp', Tty: true, OpenStdin: true });
      expect(c.Config.Labels).toMatchObject({
        team: 'platform',
        'example.com/tier': 'backend',
        'nativecontainer.io/description': 'An example of the process fields.',
      });
    },
  ],
  'logging.yaml': [
    'logging',
    (c) => expect(c.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '5m', 'max-file': '3' } }),
  ],
  'stop-signal.yaml': [
    'stop-signal',
    (c) => {
      // @types/dockerode lacks these two fields of the container config.
      const config = c.Config as typeof c.Config & { StopSignal?: string; StopTimeout?: number };
      expect([config.StopSignal, config.StopTimeout]).toEqual(['SIGINT', 5]);
    },
  ],
  'requests.yaml': [
    'requests',
    (c, nc) => {
      expect(nc.status?.restartRequest).toBe('1');
      expect(c.Config.Labels['nativecontainer.io/rebuild-request']).toBe('1');
    },
  ],
  'pull-policy.yaml': ['local-only', (c) => expect(c.State.Running).toBe(true)],
};

describe('the example manifests', () => {
  let operator: ProcessHandle;
  let registry: Registry;
  let ns: string;

  beforeAll(async () => {
    registry = await registryWith({ 'demo/app:1': TEST_IMAGE });
    await forgetImages([`${registry.host}/demo/app:1`]);
    ns = await createNamespace('examples');
    operator = startOperator('examples');
  });

  afterAll(async () => {
    // Nothing of this file may keep later files' operators busy (their registries are gone then).
    await cleanupSteps([
      () => kubectl(['delete', 'nc,ib,csec', '--all', '-n', ns, '--timeout=60s'], { allowFail: true }),
      () => kubectl(['delete', 'ncpol', 'host-logs', 'gpu-workloads', '--ignore-not-found']),
      () => operator?.stop(),
      () => forgetRegistry(registry),
      () => registry?.stop(),
    ]);
  });

  it('has a check for every top-level example, so none goes untested', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(Object.keys(CHECKS).sort());
  });

  it('applies the whole folder with kubectl and every NativeContainer becomes Ready', async () => {
    await kubectl(['apply', '-n', ns, '-f', EXAMPLES]);
    await kubectl(['wait', '-n', ns, '--for=condition=Ready', '--timeout=120s', 'nc', '--all']);
  });

  it.each(Object.entries(CHECKS))('shows its feature on the container: %s', async (_, [name, check]) => {
    const nc = await getJson<NativeContainer>(['get', '-n', ns, 'nc', name]);
    expect(condition(nc, 'Ready')?.status).toBe('True');
    const [info, ...others] = await containersOf(ns, name);
    expect(others).toEqual([]);
    check(await docker().getContainer(info!.Id).inspect(), nc);
  });

  it.each(['password-secret.yaml', 'docker-config-secret.yaml'])(
    'pulls from a private registry with private-registry/%s',
    async (file) => {
      const manifest = readFileSync(join(EXAMPLES, 'private-registry', file), 'utf8')
        .replaceAll('127.0.0.1:5000', registry.host)
        .replaceAll('change-me', registry.password)
        .replaceAll('"nco"', `"${registry.username}"`)
        .replaceAll('username: nco', `username: ${registry.username}`);
      await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest });
      const csecName = file === 'password-secret.yaml' ? 'private-registry' : 'regcred';
      const ncName = file === 'password-secret.yaml' ? 'private' : 'private-dockercfg';
      await waitForReason<ContainerSecret>(['-n', ns, 'csec', csecName], 'Ready', 'Verified', operator);
      await waitForReason<NativeContainer>(['-n', ns, 'nc', ncName], 'Ready', 'Running', operator);
    },
  );

  it('follows the tag of the private image with private-registry/image-update.yaml', async () => {
    const manifest = readFileSync(join(EXAMPLES, 'private-registry', 'image-update.yaml'), 'utf8').replaceAll(
      '127.0.0.1:5000',
      registry.host,
    );
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest });
    const following = await waitForReason<NativeContainer>(
      ['-n', ns, 'nc', 'following'],
      'UpdateAvailable',
      'UpToDate',
      operator,
    );
    expect(following.status?.latestDigest).toMatch(new RegExp(`^${registry.host}/demo/app:1@sha256:[0-9a-f]{64}$`));
    expect(following.status?.imageDigest?.split('@')[1]).toBe(following.status?.latestDigest?.split('@')[1]);
    await waitForReason<NativeContainer>(['-n', ns, 'nc', 'following'], 'Ready', 'Running', operator);
  });

  it('builds with imagebuild/imagebuild.yaml, pushes, and runs what it pushed', async () => {
    const manifest = readFileSync(join(EXAMPLES, 'imagebuild', 'imagebuild.yaml'), 'utf8')
      .replaceAll('127.0.0.1:5000', registry.host)
      .replaceAll('change-me', registry.password)
      .replaceAll('username: nco', `username: ${registry.username}`);
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: manifest });
    const built = await waitForReason<ImageBuild>(['-n', ns, 'ib', 'site'], 'Ready', 'Succeeded', operator);
    const nc = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'site'], 'Ready', 'Running', operator);
    expect(nc.status?.imageDigest).toBe(built.status?.image);
    await kubectl(['delete', '-n', ns, '-f', '-', '--timeout=120s'], { input: manifest });
  });

  it('mounts /var/log read-only with policy/host-path.yaml, once its namespace is labelled for the policy', async () => {
    const manifest = readFileSync(join(EXAMPLES, 'policy', 'host-path.yaml'), 'utf8');
    const [policy, workload] = parseAllDocuments(manifest).map((d) => d.toJS() as Record<string, unknown>);
    // Without the label no policy selects the namespace: kubectl apply refuses the host path.
    await applyPolicies([policy!], operator);
    expect(await refusedAtAdmission(ns, workload)).toMatch(/^spec\.hostPaths: \/var\/log read-only is not allowed/);
    await kubectl(['label', 'namespace', ns, 'example.com/host-logs=true']);
    await applyAdmitted(ns, workload);
    await waitForReason<NativeContainer>(['-n', ns, 'nc', 'log-reader'], 'Ready', 'Running', operator);
    const [info] = await containersOf(ns, 'log-reader');
    const c = await docker().getContainer(info!.Id).inspect();
    expect(c.Mounts.map((m) => [m.Type, m.Source, m.Destination, m.RW])).toEqual([
      ['bind', '/var/log', '/host/log', false],
    ]);
    expect(c.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'] });
    await kubectl(['delete', '-n', ns, 'nc/log-reader', '--timeout=60s']);
  });

  it('admits the GPU workload of policy/gpu.yaml only where its policy selects the namespace (no GPU to run it here)', async () => {
    const manifest = readFileSync(join(EXAMPLES, 'policy', 'gpu.yaml'), 'utf8');
    const [policy, workload] = parseAllDocuments(manifest).map((d) => d.toJS() as Record<string, unknown>);
    await applyPolicies([policy!], operator);
    // The namespace is selected by host-logs by now, which allows no GPU.
    expect(await refusedAtAdmission(ns, workload)).toMatch(
      /^spec\.gpus: a GPU request is not allowed by .*\(host-logs\)/,
    );
    await kubectl(['label', 'namespace', ns, 'example.com/gpus=true']);
    await applyAdmitted(ns, workload, true);
  });

  it('removes every container when the examples are deleted', async () => {
    await kubectl(['delete', '-n', ns, '-f', EXAMPLES, '--timeout=120s']);
    for (const [name] of Object.values(CHECKS)) expect(await containersOf(ns, name)).toEqual([]);
  });
});
