// Score: among the hosts that can take a request, the best one. spreadBy first (the label value
// with the fewest containers of the group), then the operator-wide strategy: binpack fills the
// fullest host first (fewer hosts busy), spread the emptiest (less lost with one host). Ties go to
// the host name, so that the same input gives the same host. Scores are plain numbers computed once
// per host: at 10,000 hosts a decision has about 100 ns per host.
import type { HostSnapshot, PlacementRequest, Strategy } from './types.ts';

/** Utilisation of the host after placing the request, 0..1 (mean of cpu and memory where known). */
export function utilisation(host: HostSnapshot, req: PlacementRequest): number {
  const { milliCpu, memoryBytes } = host.allocatable;
  let sum = 0;
  let n = 0;
  if (milliCpu) {
    sum += (host.allocated.milliCpu + req.milliCpu) / milliCpu;
    n++;
  }
  if (memoryBytes) {
    sum += (host.allocated.memoryBytes + req.memoryBytes) / memoryBytes;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

/** Containers of the spread group per value of the spreadBy label, over all hosts that have it. */
export function peersByValue(hosts: readonly HostSnapshot[], req: PlacementRequest): Map<string, number> {
  const counts = new Map<string, number>();
  const key = req.spreadBy;
  if (key === undefined || !req.peers || req.peers.size === 0) return counts;
  const byName = new Map<string, HostSnapshot>();
  for (const h of hosts) byName.set(h.name, h);
  for (const [name, n] of req.peers) {
    const value = byName.get(name)?.labels[key];
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + n);
  }
  return counts;
}

/**
 * Lower is better: utilisation after placing for spread, its negation for binpack. The container
 * count breaks ties in the same direction (scaled far below any utilisation step), so containers
 * that request nothing are still spread, or packed, by their number.
 */
export function fillOf(host: HostSnapshot, req: PlacementRequest, strategy: Strategy): number {
  const u = utilisation(host, req) + (host.containers ?? 0) * 1e-9;
  return strategy === 'binpack' ? -u : u;
}

/** Negative when the first host is the better one: crowd, then fill, then the name. */
export function compareScores(
  aCrowd: number,
  aFill: number,
  aName: string,
  bCrowd: number,
  bFill: number,
  bName: string,
): number {
  if (aCrowd !== bCrowd) return aCrowd - bCrowd;
  if (aFill !== bFill) return aFill - bFill;
  return aName < bName ? -1 : aName > bName ? 1 : 0;
}

/**
 * Containers of the group in the host's spreadBy value (0 without spreadBy); lower is better. A
 * host without the spreadBy label counts as the most crowded value.
 */
export function crowdOf(h: HostSnapshot, req: PlacementRequest, spread: Map<string, number>): number {
  if (req.spreadBy === undefined) return 0;
  const value = h.labels[req.spreadBy];
  return value === undefined ? Number.MAX_SAFE_INTEGER : (spread.get(value) ?? 0);
}
