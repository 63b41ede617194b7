// Many hosts (issue 9): H dockerds, each in a network namespace of its own, as ContainerHosts of
// one operator; H x N NativeContainers (spread over the hosts) in one kubectl apply until all are
// Ready, against the slowest host's raw time for its N (create + start through the API, all hosts
// at once, in the same run). Goal: <= 1.3x. And the operator's memory with them running.
// NCO_BENCH_HOSTS (default 10) and NCO_BENCH_PER_HOST (default 100) set the size.
import { runAll } from '../src/local/cleanup.ts';
import { dockerFromHost } from '../src/backend/docker-backend.ts';
import { buildTestImage, ensureDocker, type DockerEnv } from '../src/local/docker.ts';
import { kubectl } from '../src/local/kubectl.ts';
import { createNetns, type Netns } from '../src/local/netns.ts';
import { runDir } from '../src/local/paths.ts';
import { waitFor } from '../src/local/processes.ts';
import { rawCreateStart, rawRemove } from './raw.ts';
import type { Row } from './report.ts';
import { allReady, nativeContainers, rssMb, startOperator, type Bench } from './setup.ts';

interface Host {
  name: string;
  netns: Netns;
  docker: DockerEnv;
}

export async function hosts(b: Bench, workers: number): Promise<Row[]> {
  const count = Number(process.env['NCO_BENCH_HOSTS'] ?? 10);
  const perHost = Number(process.env['NCO_BENCH_PER_HOST'] ?? 100);
  const started: Host[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const netns = await createNetns();
      const docker = await ensureDocker({ dir: runDir(`bench-hosts/h${i}`), netns: netns.name });
      started.push({ name: `bench-h${i}`, netns, docker });
      await buildTestImage(docker);
    }
    // Raw: every host at once, each creating and starting its N 8 at a time; the slowest counts.
    const raw = await Promise.all(started.map((h) => rawCreateStart(dockerFromHost(h.docker.host), perHost, 8)));
    const slowest = Math.max(...raw.map((r) => r.ms));
    await Promise.all(started.map((h, i) => rawRemove(dockerFromHost(h.docker.host), raw[i]!.ids, 16)));

    const items = started.map((h) => ({
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'ContainerHost',
      metadata: { name: h.name },
      spec: { endpoint: h.docker.host },
    }));
    await kubectl(b.cp, ['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    const op = await startOperator(b, workers);
    await waitFor(
      'every ContainerHost Ready',
      async () => {
        const out = await kubectl(b.cp, ['get', 'ch', '-o', 'jsonpath={.items[*].status.conditions[0].status}']);
        return out.stdout.split(' ').filter((s) => s === 'True').length === count;
      },
      { timeoutMs: 120_000, intervalMs: 200, process: op.handle },
    );
    const n = count * perHost;
    const t0 = performance.now();
    // The operator starts on the first objects while kubectl sends the rest: under that load one
    // apply of 1,000 took more than kubectl's usual two minutes here.
    await kubectl(b.cp, ['apply', '-f', '-'], { input: nativeContainers(n, 'hosts'), timeoutMs: 1_800_000 });
    await waitFor('all Ready on their hosts', () => allReady(b, 'hosts', n), {
      timeoutMs: 1_800_000,
      intervalMs: 250,
      process: op.handle,
    });
    const ms = performance.now() - t0;
    const rss = rssMb(op.handle.pid);
    const perHostCounts = await Promise.all(
      started.map(async (h) => (await dockerFromHost(h.docker.host).listContainers()).length),
    );
    await kubectl(b.cp, ['delete', 'nc', '-n', 'bench', '-l', 'bench=hosts', '--wait=true', '--timeout=600s'], {
      timeoutMs: 660_000,
    });
    return [
      {
        key: 'hosts',
        scenario: `${count} hosts x ${perHost} containers in one kubectl apply -> all Ready (operator ${workers} workers; raw: every host at once, 8-way each, the slowest)`,
        raw: slowest,
        operator: ms,
        unit: 'ms',
        goal: { ratio: 1.3 },
        detail: { fewestOnAHost: Math.min(...perHostCounts), mostOnAHost: Math.max(...perHostCounts) },
      },
      {
        key: 'hosts-rss',
        scenario: `${count} hosts x ${perHost} containers running: RSS of the operator process`,
        operator: rss,
        unit: 'MB',
        goal: { max: 150 },
      },
    ];
  } finally {
    await runAll([
      () => kubectl(b.cp, ['delete', 'ch', '--all', '--wait=true']),
      ...started.map((h) => () => h.docker.stop()),
      ...started.map((h) => () => h.netns.remove()),
    ]);
  }
}
