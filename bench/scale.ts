// 500 resources: the operator idle over two resyncs, and an operator restart over all of them.
import { kubectl } from '../src/local/kubectl.ts';
import { waitFor } from '../src/local/processes.ts';
import type { Row } from './report.ts';
import {
  allReady,
  cpuSeconds,
  deleteAll,
  NS,
  nativeContainers,
  rssMb,
  sleep,
  startOperator,
  type Bench,
} from './setup.ts';

const N = 500;

export async function scale(b: Bench, workers: number, idleMs: number): Promise<Row[]> {
  let op = b.operator ?? (await startOperator(b, workers));
  const running = b.events.count('start', N);
  await kubectl(b.cp, ['apply', '-f', '-'], { input: nativeContainers(N, 'many') });
  await running;
  await waitFor('all 500 Ready', () => allReady(b, 'many', N), {
    timeoutMs: 900_000,
    intervalMs: 1000,
    process: op.handle,
  });
  await sleep(10_000);

  // Idle: what the operator costs while nothing changes, over two resyncs at the default period.
  const pid = op.handle.pid;
  const cpu0 = cpuSeconds(b, pid);
  b.counter.reset();
  let rss = 0;
  for (let waited = 0; waited < idleMs; waited += 10_000) {
    await sleep(Math.min(10_000, idleMs - waited));
    rss = Math.max(rss, rssMb(pid));
  }
  const cpuShare = ((cpuSeconds(b, pid) - cpu0) / (idleMs / 1000)) * 100;
  const idleCalls = b.counter.counts();
  const calls = b.counter.total();

  // Restart over 500 running containers: every one observed again, none recreated.
  const before = await containerIds(b);
  // From the moment the old process is told to stop: start-up and taking the Lease count too.
  const t0 = performance.now();
  op = await startOperator(b, workers);
  await waitFor('every resource reconciled by the new operator', () => reconciledAll(op.metricsUrl), {
    timeoutMs: 300_000,
    intervalMs: 100,
    process: op.handle,
  });
  await waitFor('all 500 Ready', () => allReady(b, 'many', N), { timeoutMs: 300_000, intervalMs: 100 });
  const restart = performance.now() - t0;
  const after = await containerIds(b);
  const recreated = [...before].filter((id) => !after.has(id)).length;
  await deleteAll(b, 'many', N);
  const minutes = (idleMs / 60_000).toFixed(0);
  return [
    {
      key: 'rss500',
      scenario: `idle, ${N} resources: RSS of the operator process (max over ${minutes} min)`,
      operator: rss,
      unit: 'MB',
      goal: { max: 150 },
    },
    {
      key: 'idlecpu',
      scenario: `idle, ${N} resources for ${minutes} min: operator CPU`,
      operator: cpuShare,
      unit: '% of a core',
      goal: { max: 1 },
    },
    {
      key: 'idlecalls',
      scenario: `idle, ${N} resources for ${minutes} min: Docker API calls`,
      operator: calls,
      unit: 'calls',
      goal: { max: N * 2 },
      detail: idleCalls,
    },
    {
      key: 'restart',
      scenario: `operator restart over ${N} running containers: all reconciled and Ready`,
      operator: restart,
      unit: 'ms',
      goal: { max: 10_000 },
    },
    {
      key: 'recreated',
      scenario: `operator restart over ${N} running containers: containers recreated`,
      operator: recreated,
      unit: 'containers',
      goal: { max: 0 },
    },
  ];
}

async function containerIds(b: Bench): Promise<Set<string>> {
  const list = await b.docker.listContainers({
    all: true,
    filters: { label: [`nativecontainer.io/owner-namespace=${NS}`] },
  });
  return new Set(list.map((c) => c.Id));
}

async function reconciledAll(metricsUrl: string): Promise<boolean> {
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string, labels: string): number =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) && l.includes(labels))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  return (
    value('controller_runtime_reconcile_total', 'controller="nativecontainer"') >= N &&
    value('workqueue_depth', 'name="nativecontainer"') === 0
  );
}
