// The walking skeleton end to end: kubectl apply -> Ready -> the container runs with the right
// command and env -> state Stopped -> stopped -> kubectl delete -> container and resource gone.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import {
  containersOf,
  createNamespace,
  docker,
  eventually,
  EXAMPLES,
  getJson,
  kubectl,
  startOperator,
} from './support.ts';

describe('a NativeContainer through its whole life', () => {
  let operator: ProcessHandle;
  let ns: string;

  beforeAll(async () => {
    ns = await createNamespace('lifecycle');
    operator = startOperator('lifecycle');
  });

  afterAll(async () => {
    await operator?.stop();
  });

  it('becomes Ready after kubectl apply, running the command with the env of the spec', async () => {
    await kubectl(['apply', '-n', ns, '-f', join(EXAMPLES, 'hello.yaml')]);
    await kubectl(['wait', '-n', ns, '--for=condition=Ready', '--timeout=120s', 'nativecontainer/hello']);

    const [info, ...others] = await containersOf(ns, 'hello');
    expect(others).toEqual([]);
    const inspected = await docker().getContainer(info!.Id).inspect();
    expect(inspected.State.Running).toBe(true);
    expect(inspected.Config.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(inspected.Config.Cmd).toEqual(['trap "exit 0" TERM; echo "hello from $GREETER"; sleep 3600 & wait']);
    expect(inspected.Config.Env).toContain('GREETER=native-container-operator');
    expect(inspected.Name).toBe(`/nc_${ns}_hello`);

    const nc = await getJson<NativeContainer>(['get', '-n', ns, 'nc', 'hello']);
    expect(nc.status).toMatchObject({
      containerID: info!.Id,
      state: 'Running',
      observedGeneration: nc.metadata.generation,
    });
    expect(nc.metadata.finalizers).toContain('nativecontainer.io/container');
    const logs = await docker().getContainer(info!.Id).logs({ stdout: true, stderr: true });
    expect(logs.toString('utf8')).toContain('hello from native-container-operator');
  });

  it('stops the container when the spec says Stopped, and says so in status', async () => {
    await kubectl(['patch', '-n', ns, 'nc', 'hello', '--type=merge', '-p', '{"spec":{"state":"Stopped"}}']);
    await eventually(
      'the resource reports the stopped container',
      async () => {
        const nc = await getJson<NativeContainer>(['get', '-n', ns, 'nc', 'hello']);
        const ready = nc.status?.conditions?.find((c) => c.type === 'Ready');
        return nc.status?.observedGeneration === nc.metadata.generation && ready?.reason === 'Stopped';
      },
      operator,
    );
    const [info, ...others] = await containersOf(ns, 'hello');
    expect(others).toEqual([]);
    expect(info!.State).toBe('exited');
    const printed = await kubectl(['get', '-n', ns, 'nc', 'hello']);
    expect(printed.stdout).toMatch(/hello\s+Exited\s+True\s+busybox:1\.37/);
  });

  it('removes the container before the resource goes away on kubectl delete', async () => {
    await kubectl(['delete', '-n', ns, 'nc', 'hello', '--timeout=120s']);
    expect(await containersOf(ns, 'hello')).toEqual([]);
    const gone = await kubectl(['get', '-n', ns, 'nc', 'hello'], { allowFail: true });
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
  });

  it('says Deleting while a deletion waits for a slow stop, then finishes it', async () => {
    // The process ignores SIGTERM: Docker waits the whole grace period before SIGKILL.
    const slow = {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'NativeContainer',
      metadata: { name: 'slow', namespace: ns },
      spec: {
        image: 'busybox:1.37',
        command: ['/bin/sh', '-c', 'trap "" TERM; sleep 3600 & wait; sleep 3600'],
        stopTimeoutSeconds: 4,
      },
    };
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(slow) });
    await kubectl(['wait', '-n', ns, '--for=condition=Ready', '--timeout=120s', 'nativecontainer/slow']);
    await kubectl(['delete', '-n', ns, 'nc', 'slow', '--wait=false']);
    await eventually(
      'Deleting in status while the stop waits',
      async () => {
        const nc = await getJson<NativeContainer>(['get', '-n', ns, 'nc', 'slow']);
        const ready = nc.status?.conditions?.find((c) => c.type === 'Ready');
        return nc.status?.state === 'Deleting' && ready?.reason === 'Deleting' && ready.status === 'False';
      },
      operator,
    );
    await eventually(
      'the resource gone with its container',
      async () => (await kubectl(['get', '-n', ns, 'nc', 'slow'], { allowFail: true })).code !== 0,
      operator,
    );
    expect(await containersOf(ns, 'slow')).toEqual([]);
  });
});
