// The benchmark's environment: one dockerd, one control plane, a counting proxy in front of the
// daemon for the operator, the operator as the README runs it, and ways to read what it costs
// (CPU time and memory from /proc, its metrics) without touching it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { dockerFromHost } from '../src/backend/docker-backend.ts';
import { KubeClient } from '../src/runtime/kube-client.ts';
import { startControlPlane, type ControlPlane } from '../src/local/control-plane.ts';
import { installCrds } from '../src/local/crds.ts';
import { buildTestImage, ensureDocker, TEST_IMAGE, type DockerEnv } from '../src/local/docker.ts';
import { exec } from '../src/local/exec.ts';
import { kubectl } from '../src/local/kubectl.ts';
import { buildOperator, startOperatorProcess } from '../src/local/operator-process.ts';
import { stateDir } from '../src/local/paths.ts';
import { freePort, waitFor, type ProcessHandle } from '../src/local/processes.ts';
import { startCallCounter, type CallCounter } from './call-counter.ts';
import { EngineEvents } from './engine-events.ts';

export const NS = 'bench';
export const CMD = ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];
export const RAW_LABEL = 'nco-bench=raw';

export interface Bench {
  dockerEnv: DockerEnv;
  docker: Docker;
  cp: ControlPlane;
  client: KubeClient;
  counter: CallCounter;
  events: EngineEvents;
  rawEvents: EngineEvents;
  operator: OperatorRun | undefined;
  clockTicks: number;
}

export interface OperatorRun {
  handle: ProcessHandle;
  metricsUrl: string;
}

export async function setUp(): Promise<Bench> {
  // The operator as `npm start` runs it: compiled once into dist/.
  await buildOperator();
  const dockerEnv = await ensureDocker();
  await buildTestImage(dockerEnv);
  const docker = dockerFromHost(dockerEnv.host);
  await removeLeftovers(docker);
  const cp = await startControlPlane({ name: 'bench' });
  await installCrds(cp);
  await kubectl(cp, ['create', 'namespace', NS]);
  const counter = await startCallCounter(join(stateDir(), 'bench-docker.sock'), dockerEnv.socketPath);
  const events = await EngineEvents.open(docker, `nativecontainer.io/owner-namespace=${NS}`);
  const rawEvents = await EngineEvents.open(docker, RAW_LABEL);
  const clockTicks = Number((await exec('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
  return {
    dockerEnv,
    docker,
    cp,
    client: KubeClient.fromEnvironment(cp.kubeconfigPath),
    counter,
    events,
    rawEvents,
    operator: undefined,
    clockTicks,
  };
}

/** (Re)starts the operator as the README runs it, with `workers` reconciles at once. */
export async function startOperator(b: Bench, workers: number): Promise<OperatorRun> {
  await b.operator?.handle.stop();
  const metricsPort = await freePort();
  const nodeOptions = process.env['NCO_BENCH_NODE_OPTIONS'];
  const handle = startOperatorProcess({
    name: 'bench-operator',
    from: 'dist',
    kubeconfig: b.cp.kubeconfigPath,
    dockerHost: b.counter.host,
    env: {
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
      NCO_WORKERS: String(workers),
      NCO_METRICS_PORT: String(metricsPort),
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
  });
  const run = { handle, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
  await waitFor('operator metrics', async () => (await fetch(run.metricsUrl)).ok, {
    timeoutMs: 60_000,
    process: handle,
  });
  await waitFor(
    'operator leading',
    async () =>
      /controller_runtime_active_workers\{controller="nativecontainer"\}/.test(
        await (await fetch(run.metricsUrl)).text(),
      ),
    {
      timeoutMs: 60_000,
      process: handle,
    },
  );
  b.operator = run;
  return run;
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(b: Bench, pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / b.clockTicks;
}

/** Requests the API server served for NativeContainers and Events, by verb and subresource. */
export async function apiRequests(b: Bench): Promise<Record<string, number>> {
  const text = (await kubectl(b.cp, ['get', '--raw', '/metrics'])).stdout;
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    const resource = label('resource');
    if (resource !== 'nativecontainers' && resource !== 'events') continue;
    const key = `${label('verb')} ${resource}${label('subresource') ? `/${label('subresource')}` : ''}`;
    counts[key] = (counts[key] ?? 0) + Number(line.split(' ').pop());
  }
  return counts;
}

export function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) d[k] = v - (before[k] ?? 0);
  return d;
}

/** CPU seconds the whole machine has been busy (all cores; idle and iowait left out). */
export function machineBusySeconds(b: Bench): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / b.clockTicks;
}

/** Resident memory of the process, in MB. */
export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
}

export function nativeContainers(n: number, prefix: string, state = 'Running'): string {
  const items = Array.from({ length: n }, (_, i) => ({
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name: `${prefix}${i}`, namespace: NS, labels: { bench: prefix } },
    spec: { image: TEST_IMAGE, command: CMD, state },
  }));
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items });
}

/** True when every NativeContainer with this bench label is Ready for its generation. */
export async function allReady(b: Bench, prefix: string, n: number): Promise<boolean> {
  type Item = {
    metadata: { generation?: number };
    status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
  };
  const list = await b.client.get<{ items: Item[] }>(
    `/apis/nativecontainer.io/v1alpha1/namespaces/${NS}/nativecontainers`,
    {
      query: { labelSelector: `bench=${prefix}` },
    },
  );
  return (
    list.items.length === n &&
    list.items.every(
      (i) =>
        i.status?.observedGeneration === i.metadata.generation &&
        i.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
  );
}

/** Containers of this benchmark, raw and managed, left by an earlier run that was cut short. */
export async function removeLeftovers(docker: Docker): Promise<void> {
  const all = await docker.listContainers({ all: true });
  const ours = all.filter(
    (c) => c.Labels['nco-bench'] === 'raw' || c.Labels['nativecontainer.io/owner-namespace'] === NS,
  );
  await Promise.all(
    ours.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

export async function deleteAll(b: Bench, prefix: string, n: number): Promise<void> {
  const gone = b.events.count('destroy', n);
  await kubectl(b.cp, ['delete', 'nc', '-n', NS, '-l', `bench=${prefix}`, '--wait=false']);
  await gone;
  await waitFor(
    'resources gone',
    async () =>
      (await kubectl(b.cp, ['get', 'nc', '-n', NS, '-l', `bench=${prefix}`, '-o', 'name'])).stdout.trim() === '',
    {
      timeoutMs: 600_000,
    },
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
