// One stats sample of the engine, summed up the way `docker stats` shows it (pure): CPU as a
// percentage of one core times the cores, memory without the page cache, network and block I/O
// totals, and the number of processes.
import { Transform } from 'node:stream';

export interface DockerStats {
  read?: string;
  pids_stats?: { current?: number };
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: { op: string; value: number }[] | null };
}

interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface StatsSample {
  time: string;
  cpuPercent: number;
  memoryBytes: number;
  memoryLimitBytes: number;
  memoryPercent: number;
  networkRxBytes: number;
  networkTxBytes: number;
  blockReadBytes: number;
  blockWriteBytes: number;
  pids: number;
}

export function summarizeStats(s: DockerStats): StatsSample {
  const memory = memoryOf(s);
  const networks = Object.values(s.networks ?? {});
  const io = s.blkio_stats?.io_service_bytes_recursive ?? [];
  const sumIo = (op: string): number =>
    io.filter((e) => e.op.toLowerCase() === op).reduce((sum, e) => sum + e.value, 0);
  return {
    time: s.read ?? new Date().toISOString(),
    cpuPercent: cpuPercent(s),
    ...memory,
    networkRxBytes: networks.reduce((sum, n) => sum + (n.rx_bytes ?? 0), 0),
    networkTxBytes: networks.reduce((sum, n) => sum + (n.tx_bytes ?? 0), 0),
    blockReadBytes: sumIo('read'),
    blockWriteBytes: sumIo('write'),
    pids: s.pids_stats?.current ?? 0,
  };
}

function cpuPercent(s: DockerStats): number {
  const cpu = s.cpu_stats ?? {};
  const cpuDelta = totalUsage(cpu) - totalUsage(s.precpu_stats);
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cores = cpu.online_cpus ?? cpu.cpu_usage?.percpu_usage?.length ?? 1;
  return systemDelta > 0 && cpuDelta > 0 ? round((cpuDelta / systemDelta) * cores * 100) : 0;
}

function totalUsage(cpu: CpuStats | undefined): number {
  return cpu?.cpu_usage?.total_usage ?? 0;
}

function memoryOf(s: DockerStats): Pick<StatsSample, 'memoryBytes' | 'memoryLimitBytes' | 'memoryPercent'> {
  const memory = s.memory_stats ?? {};
  // As docker stats: cgroup v2 reports the page cache as inactive_file, v1 as total_inactive_file.
  const cache = memory.stats?.['inactive_file'] ?? memory.stats?.['total_inactive_file'] ?? 0;
  const used = Math.max(0, (memory.usage ?? 0) - cache);
  const limit = memory.limit ?? 0;
  return { memoryBytes: used, memoryLimitBytes: limit, memoryPercent: limit > 0 ? round((used / limit) * 100) : 0 };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** The engine's stream of JSON lines turned into summed-up samples, one JSON line each. */
export function statsLines(): Transform {
  let pending = '';
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.trim() !== '')) {
        this.push(`${JSON.stringify(summarizeStats(JSON.parse(line) as DockerStats))}\n`);
      }
      done();
    },
  });
}
