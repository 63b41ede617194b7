// The pure scheduler at 1,000 and 10,000 simulated hosts: time per placement decision (its mean
// gives decisions per second) and the p99, with every decision bound (allocated grows) so that
// the hosts fill up as they would. Goal of issue 9: >= 1,000 decisions/s at 10,000 hosts, that is
// a mean of <= 1,000 µs per decision. No daemon, no API server: this row runs alone.
import { schedule } from '../src/scheduler/schedule.ts';
import type { HostSnapshot, PlacementRequest, Strategy } from '../src/scheduler/types.ts';
import type { Row } from './report.ts';

const GiB = 1024 ** 3;

function hostsOf(n: number): HostSnapshot[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `host-${String(i).padStart(5, '0')}`,
    labels: { zone: `zone-${i % 10}`, disk: i % 3 === 0 ? 'ssd' : 'hdd' },
    ready: i % 97 !== 0,
    unschedulable: i % 89 === 0,
    allocatable: { milliCpu: 16_000, memoryBytes: 64 * GiB },
    allocated: { milliCpu: 0, memoryBytes: 0 },
    ports: new Set(i % 5 === 0 ? ['TCP/80'] : []),
  }));
}

/** A mix of requests: plain, with a selector, spread by zone, with a host port. */
function requestOf(i: number, peers: Map<string, number>): PlacementRequest {
  const base = { milliCpu: 250 * (1 + (i % 4)), memoryBytes: (i % 8) * 256 * 1024 ** 2, ports: [] as string[] };
  switch (i % 4) {
    case 0:
      return base;
    case 1:
      return { ...base, hostSelector: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } };
    case 2:
      return { ...base, spreadBy: 'zone', peers };
    default:
      return { ...base, ports: [`TCP/${8000 + (i % 50)}`] };
  }
}

interface Measured {
  meanUs: number;
  p99Us: number;
  /** Decisions per second of this process's own CPU time: what the figure is on a machine not shared. */
  perCpuSecond: number;
}

function measure(hostCount: number, decisions: number, strategy: Strategy): Measured {
  const hosts = hostsOf(hostCount);
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const peers = new Map<string, number>();
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < decisions; i++) {
    const req = requestOf(i, peers);
    const t0 = performance.now();
    const d = schedule(hosts, req, strategy);
    times.push((performance.now() - t0) * 1000);
    if (d.kind !== 'bound') continue;
    const h = byName.get(d.host)!;
    h.allocated = {
      milliCpu: h.allocated.milliCpu + req.milliCpu,
      memoryBytes: h.allocated.memoryBytes + req.memoryBytes,
    };
    if (req.ports.length > 0) h.ports = new Set([...h.ports, ...req.ports]);
    if (req.spreadBy) peers.set(d.host, (peers.get(d.host) ?? 0) + 1);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  times.sort((a, b) => a - b);
  const meanUs = times.reduce((s, t) => s + t, 0) / times.length;
  return { meanUs, p99Us: times[Math.floor(times.length * 0.99)]!, perCpuSecond: decisions / cpuSeconds };
}

export function schedulerRows(): Row[] {
  const rows: Row[] = [];
  for (const [hostCount, decisions] of [
    [1_000, 5_000],
    [10_000, 2_000],
  ] as const) {
    for (const strategy of ['binpack', 'spread'] as const) {
      measure(hostCount, 200, strategy); // warm-up: the JIT, not the scheduler, would be measured first
      const { meanUs, p99Us, perCpuSecond } = measure(hostCount, decisions, strategy);
      const label = `scheduler: ${hostCount.toLocaleString('en')} hosts, ${strategy}`;
      rows.push({
        key: `scheduler-${hostCount}-${strategy}`,
        scenario: `${label}, mean per decision`,
        operator: meanUs,
        unit: 'µs',
        goal: { max: 1000 },
        detail: {
          decisionsPerSecond: Math.round(1e6 / meanUs),
          decisionsPerCpuSecond: Math.round(perCpuSecond),
          p99Us: Number(p99Us.toFixed(1)),
          decisions,
        },
      });
      rows.push({
        key: `scheduler-${hostCount}-${strategy}-p99`,
        scenario: `${label}, p99 per decision`,
        operator: p99Us,
        unit: 'µs',
        goal: { max: 5000 },
      });
    }
  }
  return rows;
}
