// The scenarios of issue 8's table at 1 and 50 resources. Each returns rows; the operator figure
// is always from the request to the moment Docker reports the result (its own event), through the
// API server, the watch, the queue, the reconcile and the Docker calls.
import { kubectl } from '../src/local/kubectl.ts';
import { TEST_IMAGE } from '../src/local/test-image.ts';
import { waitFor } from '../src/local/processes.ts';
import { p50, rawCreateStart, rawRemove } from './raw.ts';
import type { Row } from './report.ts';
import {
  allReady,
  CMD,
  cpuSeconds,
  deleteAll,
  NS,
  nativeContainers,
  apiRequests,
  difference,
  machineBusySeconds,
  rssMb,
  sleep,
  startOperator,
  type Bench,
} from './setup.ts';

const REPEATS = 10;
const CONCURRENCY = [1, 4, 8, 16];

/** One resource at a time: created through the API until Docker says it runs, against create + start. */
export async function one(b: Bench): Promise<Row[]> {
  const raw: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const r = await rawCreateStart(b.docker, 1, 1);
    raw.push(r.ms);
    await rawRemove(b.docker, r.ids, 1);
  }
  const op = b.operator ?? (await startOperator(b, 2));
  void op;
  const ours: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const name = `one${i}`;
    const running = b.events.next('start', (owner) => owner === name);
    const t0 = performance.now();
    await b.client.create(`/apis/nativecontainer.io/v1alpha1/namespaces/${NS}/nativecontainers`, {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'NativeContainer',
      metadata: { name, namespace: NS, labels: { bench: 'one' } },
      spec: { image: TEST_IMAGE, command: CMD },
    });
    ours.push((await running) - t0);
  }
  await deleteAll(b, 'one', REPEATS);
  return [
    {
      key: 'one',
      scenario: 'one resource, create -> running, p50',
      raw: p50(raw),
      operator: p50(ours),
      unit: 'ms',
      goal: { ratio: 1.2 },
    },
  ];
}

/** 50 resources in one kubectl apply, against raw create + start at its best concurrency. */
export async function fifty(b: Bench): Promise<{ rows: Row[]; workers: number }> {
  let best = { ms: Infinity, concurrency: 1 };
  let rawBusy = 0;
  for (const concurrency of CONCURRENCY) {
    const busy = machineBusySeconds(b);
    const r = await rawCreateStart(b.docker, 50, concurrency);
    if (r.ms < best.ms) {
      best = { ms: r.ms, concurrency };
      rawBusy = machineBusySeconds(b) - busy;
    }
    await rawRemove(b.docker, r.ids, 16);
  }
  // The operator at NCO_WORKERS=8 (NCO_BENCH_WORKERS to change): beyond 8 the two cores are busy.
  const workers = Number(process.env['NCO_BENCH_WORKERS'] ?? 8);
  const op = await startOperator(b, workers);
  const pid = op.handle.pid;
  b.counter.reset();
  const cpu0 = cpuSeconds(b, pid);
  // Where the CPU goes while the 50 start: the two cores are shared by every component.
  const others = { 'kube-apiserver': b.cp.apiserver.pid, etcd: b.cp.etcd.pid, operator: pid };
  const others0 = Object.fromEntries(Object.entries(others).map(([k, p]) => [k, cpuSeconds(b, p)]));
  const busy0 = machineBusySeconds(b);
  const api0 = await apiRequests(b);
  const running = b.events.count('start', 50);
  const t0 = performance.now();
  await kubectl(b.cp, ['apply', '-f', '-'], { input: nativeContainers(50, 'fifty') });
  const up = (await running) - t0;
  const cpuWhileUp: Record<string, number> = {
    'raw: wall seconds': round(best.ms / 1000),
    'raw: machine busy core-seconds': round(rawBusy),
    'wall seconds': round(up / 1000),
    'machine busy core-seconds': round(machineBusySeconds(b) - busy0),
  };
  for (const [k, p] of Object.entries(others)) cpuWhileUp[`${k} cpu seconds`] = round(cpuSeconds(b, p) - others0[k]!);
  await waitFor('all Ready', () => allReady(b, 'fifty', 50), {
    timeoutMs: 300_000,
    intervalMs: 100,
    process: op.handle,
  });
  const cpu = cpuSeconds(b, pid) - cpu0;
  const apiCalls = difference(await apiRequests(b), api0);
  // Every call until all 50 are Ready, follow-up inspects included, not only until they run.
  const calls = b.counter.total();
  const callsByKind = b.counter.counts();
  b.counter.reset();
  await sleep(15_000);
  const after = b.counter.total();
  const rss = rssMb(pid);
  return {
    workers,
    rows: [
      {
        key: 'fifty',
        scenario: `50 resources in one kubectl apply -> all running (operator ${workers} workers; raw at its best, ${best.concurrency}-way)`,
        raw: best.ms,
        operator: up,
        unit: 'ms',
        goal: { ratio: 1.25 },
        detail: cpuWhileUp,
      },
      {
        key: 'calls',
        scenario: 'Docker API calls to create and start one container',
        operator: calls / 50,
        unit: 'calls',
        goal: { max: 3 },
        detail: callsByKind,
      },
      {
        key: 'calls15',
        scenario: 'Docker API calls in the 15 s after 50 became Running',
        operator: after,
        unit: 'calls',
        goal: { max: 50 },
      },
      {
        key: 'cpu',
        scenario: 'operator CPU to apply 50 (until all Ready)',
        operator: cpu,
        unit: 's',
        goal: { max: 0.4 },
        detail: apiCalls,
      },
      {
        key: 'rss50',
        scenario: 'idle, 50 resources: RSS of the operator process',
        operator: rss,
        unit: 'MB',
        goal: { max: 100 },
      },
    ],
  };
}

/** docker kill of a managed container until Docker says it runs again (the 50 must be running). */
export async function kill(b: Bench): Promise<Row[]> {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const [c] = await b.docker.listContainers({
      filters: { label: [`nativecontainer.io/owner-name=fifty${i}`], status: ['running'] },
    });
    if (!c) throw new Error(`fifty${i} is not running`);
    const back = b.events.next('start', (_owner, id) => id === c.Id);
    const t0 = performance.now();
    await b.docker.getContainer(c.Id).kill();
    times.push((await back) - t0);
  }
  return [
    {
      key: 'kill',
      scenario: '`docker kill` of a managed container -> running again, p50',
      operator: p50(times),
      unit: 'ms',
      goal: { max: 300 },
    },
  ];
}

/** spec.state Stopped until Docker says it stopped, against docker stop of a raw container. */
export async function stop(b: Bench): Promise<Row[]> {
  const { ids } = await rawCreateStart(b.docker, REPEATS, 4);
  const raw: number[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    await b.docker.getContainer(id).stop({ t: 10 });
    raw.push(performance.now() - t0);
  }
  await rawRemove(b.docker, ids, 8);
  const ours: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const name = `fifty${i}`;
    const stopped = b.events.next('stop', (owner) => owner === name);
    const t0 = performance.now();
    await b.client.patch(`/apis/nativecontainer.io/v1alpha1/namespaces/${NS}/nativecontainers/${name}`, 'merge', {
      spec: { state: 'Stopped' },
    });
    ours.push((await stopped) - t0);
  }
  for (let i = 0; i < REPEATS; i++) {
    await b.client.patch(`/apis/nativecontainer.io/v1alpha1/namespaces/${NS}/nativecontainers/fifty${i}`, 'merge', {
      spec: { state: 'Running' },
    });
  }
  await waitFor('all Ready again', () => allReady(b, 'fifty', 50), { timeoutMs: 300_000, intervalMs: 100 });
  return [{ key: 'stop', scenario: 'stop, p50', raw: p50(raw), operator: p50(ours), unit: 'ms', goal: { ratio: 1.5 } }];
}

/** kubectl delete of the 50 until Docker destroyed every container, against docker rm -f. */
export async function remove(b: Bench, concurrency: number): Promise<Row[]> {
  let raw = Infinity;
  for (const c of new Set([concurrency, 16])) {
    const { ids } = await rawCreateStart(b.docker, 50, 8);
    raw = Math.min(raw, await rawRemove(b.docker, ids, c));
  }
  const gone = b.events.count('destroy', 50);
  b.counter.reset();
  const api0 = await apiRequests(b);
  const t0 = performance.now();
  await kubectl(b.cp, ['delete', 'nc', '-n', NS, '-l', 'bench=fifty', '--wait=false']);
  const kubectlMs = performance.now() - t0;
  const ours = (await gone) - t0;
  const calls: Record<string, number> = {
    ...b.counter.counts(),
    ...difference(await apiRequests(b), api0),
    'kubectl delete ms': Math.round(kubectlMs),
  };
  await deleteAll(b, 'fifty', 0);
  return [
    {
      key: 'delete',
      scenario: 'delete of 50 -> all containers gone',
      raw,
      operator: ours,
      unit: 'ms',
      goal: { ratio: 1.5 },
      detail: calls,
    },
  ];
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
