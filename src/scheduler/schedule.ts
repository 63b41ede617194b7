// The scheduler: filter, then score, then the decision. Pure: the caller gathers the snapshots and
// writes the binding (status.host, then the container's labels); the binding never changes here.
import { whyNot } from './filter.ts';
import { compareScores, crowdOf, fillOf, peersByValue } from './score.ts';
import type { Decision, HostSnapshot, PlacementRequest, Strategy } from './types.ts';

export function schedule(hosts: readonly HostSnapshot[], req: PlacementRequest, strategy: Strategy): Decision {
  const spread = peersByValue(hosts, req);
  const reasons = new Map<string, number>();
  // Plain locals rather than an object per host: no garbage in the hot loop.
  let best: HostSnapshot | undefined;
  let bestCrowd = 0;
  let bestFill = 0;
  for (const host of hosts) {
    const why = whyNot(host, req);
    if (why !== undefined) {
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      continue;
    }
    const crowd = crowdOf(host, req, spread);
    const fill = fillOf(host, req, strategy);
    if (!best || compareScores(crowd, fill, host.name, bestCrowd, bestFill, best.name) < 0) {
      best = host;
      bestCrowd = crowd;
      bestFill = fill;
    }
  }
  if (!best) return { kind: 'unschedulable', message: unschedulableMessage(hosts.length, reasons) };
  return { kind: 'bound', host: best.name };
}

/**
 * In the Kubernetes scheduler's style: "0/3 hosts are available: 1 cordoned, 2 insufficient
 * memory." Reasons in alphabetical order, as the Kubernetes scheduler sorts them.
 */
export function unschedulableMessage(total: number, reasons: ReadonlyMap<string, number>): string {
  if (total === 0) return '0/0 hosts are available: no ContainerHost is Ready.';
  const parts = [...reasons.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([why, n]) => `${n} ${why}`);
  return `0/${total} hosts are available: ${parts.join(', ')}.`;
}
