// Benchmarks: what the operator adds on top of the raw Docker API, measured in the same run on
// the same daemon. Prints a table; asserts nothing (timing goals live here, never in tests).
//   npm run bench            # N = 20
//   npm run bench -- 50      # N = 50
import Docker from 'dockerode';
import { dockerFromHost } from '../src/backend/docker-backend.ts';
import { LABELS } from '../src/controllers/nativecontainer/identity.ts';
import { startControlPlane } from '../src/local/control-plane.ts';
import { installCrds } from '../src/local/crds.ts';
import { buildTestImage, ensureDocker, TEST_IMAGE } from '../src/local/docker.ts';
import { kubectl } from '../src/local/kubectl.ts';
import { startOperatorProcess } from '../src/local/operator-process.ts';
import { stopAll, waitFor } from '../src/local/processes.ts';

const N = Number(process.argv[2] ?? 20);
const CMD = ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

interface Row {
  what: string;
  raw: number;
  operator: number;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function rawCreateStart(docker: Docker, n: number): Promise<{ ms: number; ids: string[] }> {
  const ids: string[] = [];
  const ms = await timed(async () => {
    for (let i = 0; i < n; i++) {
      const c = await docker.createContainer({
        name: `bench-raw-${i}`,
        Image: TEST_IMAGE,
        Cmd: CMD,
        HostConfig: { NetworkMode: 'none' },
      });
      await c.start();
      ids.push(c.id);
    }
  });
  return { ms, ids };
}

function list(n: number, state: string): string {
  const items = Array.from({ length: n }, (_, i) => ({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name: `b${i}`, namespace: 'bench' },
    spec: { image: TEST_IMAGE, command: CMD, state },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

/** Containers of this benchmark, raw and managed, left by an earlier run that was cut short. */
async function removeLeftovers(docker: Docker): Promise<void> {
  const all = await docker.listContainers({ all: true });
  const ours = all.filter(
    (c) => c.Names.some((n) => n.startsWith('/bench-raw-')) || c.Labels[LABELS.ownerNamespace] === 'bench',
  );
  await Promise.all(ours.map((c) => docker.getContainer(c.Id).remove({ force: true })));
}

async function main(): Promise<void> {
  const dockerEnv = await ensureDocker();
  await buildTestImage(dockerEnv);
  const docker = dockerFromHost(dockerEnv.host);
  await removeLeftovers(docker);
  const cp = await startControlPlane({ name: 'bench' });
  await installCrds(cp);
  await kubectl(cp, ['create', 'namespace', 'bench']);
  const operator = startOperatorProcess({
    name: 'bench-operator',
    kubeconfig: cp.kubeconfigPath,
    dockerHost: dockerEnv.host,
    env: { LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn' },
  });
  const rows: Row[] = [];
  const allReady = async (): Promise<boolean> => {
    const out = await kubectl(cp, ['get', 'nc', '-n', 'bench', '-o', 'json']);
    type Item = { status?: { conditions?: { type: string; status: string }[] } };
    const items = (JSON.parse(out.stdout) as { items: Item[] }).items;
    return (
      items.length === N &&
      items.every((i) => i.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    );
  };
  const owned = async (): Promise<Docker.ContainerInfo[]> =>
    docker.listContainers({ all: true, filters: { label: [`${LABELS.ownerNamespace}=bench`] } });

  // 1. N containers up: raw create+start, one after another, against kubectl apply -> all Ready.
  const raw = await rawCreateStart(docker, N);
  const up = await timed(async () => {
    await kubectl(cp, ['apply', '-f', '-'], { input: list(N, 'Running') });
    await waitFor('all Ready', allReady, { timeoutMs: 600_000, intervalMs: 100, process: operator });
  });
  rows.push({ what: `${N} containers created and running`, raw: raw.ms, operator: up });

  // 2. Stopping all: raw docker stop against state Stopped -> all stopped.
  const rawStop = await timed(() => Promise.all(raw.ids.map((id) => docker.getContainer(id).stop({ t: 10 }))));
  const stop = await timed(async () => {
    await kubectl(cp, ['apply', '-f', '-'], { input: list(N, 'Stopped') });
    await waitFor('all stopped', async () => (await owned()).every((c) => c.State === 'exited'), {
      timeoutMs: 600_000,
      intervalMs: 100,
      process: operator,
    });
  });
  rows.push({ what: `${N} containers stopped`, raw: rawStop, operator: stop });

  // 3. Drift repair: a container stopped by hand is running again (Docker event -> reconcile -> start).
  await kubectl(cp, ['apply', '-f', '-'], { input: list(N, 'Running') });
  await waitFor('all running', async () => (await owned()).every((c) => c.State === 'running'), {
    timeoutMs: 600_000,
    process: operator,
  });
  // The raw containers were stopped in scenario 2.
  const rawStart = await timed(() => docker.getContainer(raw.ids[0]!).start());
  const victim = (await owned())[0]!;
  await docker.getContainer(victim.Id).stop({ t: 10 });
  const repair = await timed(() =>
    waitFor('repaired', async () => (await docker.getContainer(victim.Id).inspect()).State.Running, {
      timeoutMs: 120_000,
      intervalMs: 20,
      process: operator,
    }),
  );
  rows.push({ what: 'one container stopped by hand, running again', raw: rawStart, operator: repair });

  // 4. Deletion: raw remove against kubectl delete (finalizer: stop + remove first).
  const rawRemove = await timed(() =>
    Promise.all(raw.ids.map((id) => docker.getContainer(id).remove({ force: true }))),
  );
  const del = await timed(() => kubectl(cp, ['delete', 'nc', '--all', '-n', 'bench', '--timeout=600s']));
  rows.push({ what: `${N} containers deleted`, raw: rawRemove, operator: del });

  process.stdout.write(`\nnative-container-operator benchmark, N=${N}, ${new Date().toISOString()}\n`);
  process.stdout.write('| scenario | raw Docker API | operator (end to end) | ratio |\n|---|---|---|---|\n');
  for (const r of rows) {
    process.stdout.write(
      `| ${r.what} | ${(r.raw / 1000).toFixed(2)} s | ${(r.operator / 1000).toFixed(2)} s | ${(r.operator / r.raw).toFixed(1)}x |\n`,
    );
  }
  process.stdout.write(
    '\nraw: dockerode calls from this process; operator: from kubectl to the state seen in Docker\n' +
      '(or Ready in status), through the API server, watch, queue, reconcile and status write.\n' +
      'Note: the drift row compares the repair latency with one raw start call; most of it is the\n' +
      "1 s pause the operator takes after a container's die event.\n",
  );
  await operator.stop();
  await cp.stop();
  await dockerEnv.stop();
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);
