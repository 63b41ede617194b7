// What the operator does while its Docker engine goes away and comes back: it says so in words a
// user understands, acts on nothing while the engine shuts down, remembers what it must, and gets
// on with the work as soon as the engine answers again. A dockerd of its own, stopped and started.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { dockerFromHost } from '../../src/backend/docker-backend.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { buildTestImage, ensureDocker, TEST_IMAGE, type DockerEnv } from '../../src/local/docker.ts';
import { stateDir } from '../../src/local/paths.ts';
import { cleanupSteps, removeContainers } from './cleanup.ts';
import {
  createNamespace,
  eventually,
  getJson,
  kubectl,
  sample,
  startOperatorWithEndpoints,
  type OperatorWithEndpoints,
} from './support.ts';

const SLEEP = ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

describe('the operator while its Docker engine is away', () => {
  let dockerEnv: DockerEnv;
  let operator: OperatorWithEndpoints;
  let ns: string;

  const docker = () => dockerFromHost(dockerEnv.host);
  const apply = (name: string, spec: object) =>
    kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'nativecontainer.io/v1alpha1',
        kind: 'NativeContainer',
        metadata: { name, namespace: ns },
        spec: { image: TEST_IMAGE, command: SLEEP, ...spec },
      }),
    });
  const get = (name: string) => getJson<NativeContainer>(['get', 'nc', name, '-n', ns]);
  const ready = async (name: string) => {
    const nc = await get(name);
    const c = nc.status?.conditions?.find((x) => x.type === 'Ready');
    return nc.status?.observedGeneration === nc.metadata.generation && c?.status === 'True' ? c.reason : undefined;
  };
  const container = async (name: string) =>
    (
      await docker().listContainers({
        all: true,
        filters: { label: [`${LABELS.ownerNamespace}=${ns}`, `${LABELS.ownerName}=${name}`] },
      })
    )[0];
  const metrics = async () => (await fetch(`${operator.metricsUrl}/metrics`)).text();

  beforeAll(async () => {
    dockerEnv = await ensureDocker({ dir: join(stateDir(), 'docker-outage') });
    await buildTestImage(dockerEnv);
    ns = await createNamespace('outage');
    operator = await startOperatorWithEndpoints('outage', { DOCKER_HOST: dockerEnv.host });
  });

  afterAll(async () => {
    await cleanupSteps([
      () => operator?.handle.stop(),
      async () => void (await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true })),
      async () => {
        await dockerEnv.start();
        await removeContainers(docker(), [`${LABELS.ownerNamespace}=${ns}`]);
      },
      () => dockerEnv?.stop(),
    ]);
  });

  it('starts nothing while the engine shuts down, and brings back an OnFailure container its shutdown stopped', async () => {
    await apply('always', { restartPolicy: 'Always' });
    await apply('on-failure', { restartPolicy: 'OnFailure' });
    await eventually(
      'both Ready',
      async () => (await ready('always')) === 'Running' && (await ready('on-failure')) === 'Running',
      operator.handle,
    );
    const startsBefore = sample(await metrics(), 'nco_docker_operations_total', {
      operation: 'start',
      result: 'error',
    });
    await dockerEnv.restart();
    // The shutdown stopped the OnFailure container with exit code 0: it did not complete, it was stopped.
    await eventually(
      'both running again',
      async () =>
        (await container('always'))?.State === 'running' && (await container('on-failure'))?.State === 'running',
      operator.handle,
    );
    await eventually(
      'both Ready again',
      async () => (await ready('always')) === 'Running' && (await ready('on-failure')) === 'Running',
      operator.handle,
    );
    expect(sample(await metrics(), 'nco_docker_operations_total', { operation: 'start', result: 'error' })).toBe(
      startsBefore,
    );
  });

  it('says which engine does not answer, keeps what it must remember, and runs a Never container switched to Running while the engine was away', async () => {
    // It ran and was stopped on request: an exited container, not one that never started (the
    // operator starts a created container whatever it remembers).
    await apply('never', { restartPolicy: 'Never', state: 'Running' });
    await eventually('Running', async () => (await ready('never')) === 'Running', operator.handle);
    await kubectl(['patch', 'nc', 'never', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Stopped"}}']);
    await eventually('Stopped', async () => (await ready('never')) === 'Stopped', operator.handle);
    expect((await container('never'))?.State).toBe('exited');
    expect((await get('never')).status?.stoppedOnRequest).toBe(true);
    await dockerEnv.stop();
    await kubectl(['patch', 'nc', 'never', '-n', ns, '--type=merge', '-p', '{"spec":{"state":"Running"}}']);
    await eventually(
      'DockerUnreachable in status',
      async () =>
        (await get('never')).status?.conditions?.find((c) => c.type === 'Ready')?.reason === 'DockerUnreachable',
      operator.handle,
    );
    const status = (await get('never')).status!;
    const message = status.conditions!.find((c) => c.type === 'Ready')!.message;
    expect(message).toContain(`Docker on host local (${dockerEnv.host}) is not answering`);
    // In words a user understands, whichever way the stopped daemon was noticed.
    expect(message).toMatch(/the daemon is not running|the daemon stopped or restarted|it is shutting down|going away/);
    expect(message).toContain('The operator acts as soon as it answers again');
    expect(status.state).toBe('Unknown');
    // What it remembers did not change because Docker could not be seen.
    expect(status.stoppedOnRequest).toBe(true);
    await dockerEnv.start();
    await eventually('running after Docker is back', async () => (await ready('never')) === 'Running', operator.handle);
    expect((await container('never'))?.State).toBe('running');
  });

  it('says a deletion waits for Docker, and finishes soon after Docker answers again', async () => {
    await apply('doomed', { state: 'Stopped' });
    await eventually('Stopped', async () => (await ready('doomed')) === 'Stopped', operator.handle);
    await dockerEnv.stop();
    await kubectl(['delete', 'nc', 'doomed', '-n', ns, '--wait=false']);
    await eventually(
      'Deleting and DockerUnreachable in status',
      async () => {
        const s = (await get('doomed')).status;
        const r = s?.conditions?.find((c) => c.type === 'Ready');
        return s?.state === 'Deleting' && r?.status === 'False' && r.reason === 'DockerUnreachable';
      },
      operator.handle,
    );
    const message = (await get('doomed')).status!.conditions!.find((c) => c.type === 'Ready')!.message;
    expect(message).toContain('The container is removed as soon as it answers again');
    await dockerEnv.start();
    const back = performance.now();
    await eventually(
      'the resource and its container gone',
      async () =>
        (await kubectl(['get', 'nc', 'doomed', '-n', ns], { allowFail: true })).code !== 0 &&
        !(await container('doomed')),
      operator.handle,
    );
    process.stdout.write(
      `deletion finished ${((performance.now() - back) / 1000).toFixed(1)} s after Docker answered again\n`,
    );
  });
});
