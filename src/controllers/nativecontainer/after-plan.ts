// What status remembers after a plan ran (pure), written right after it so a lagging cache
// cannot make the next reconcile count or repeat the same restart.
import type { NativeContainer } from '../../api/native-container.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';
import { afterExitRestart } from './exit-restarts.ts';
import { afterUnhealthyRestart } from './health.ts';
import type { Operation } from './plan.ts';
import { restartsSoFar, type KeptChanges } from './status.ts';

/**
 * Kept fields after a plan ran: a start or restart through the API resets Docker's restart
 * count, so the count so far moves into restartBase; an unhealthy restart or stop, and a start by
 * the operator's restart policy, are remembered.
 */
export function afterPlan(
  ops: readonly Operation[],
  c: ObservedContainer | undefined,
  nc: NativeContainer,
  now: Date,
): KeptChanges {
  if (!c) return {};
  const count = restartsSoFar(nc.status, c);
  const changes: KeptChanges = {};
  for (const o of ops) {
    if (!acts(o, c.id)) continue;
    if (o.type === 'Start' || o.type === 'Restart') changes.restartBase = { containerID: c.id, count };
    if (o.type === 'Restart' && o.unhealthy)
      Object.assign(changes, unhealthyRestart(c.id, count, o.unhealthy.output, nc, now));
    if (o.type === 'Stop' && o.unhealthy) changes.stoppedUnhealthy = c.id;
    if (o.type === 'Start' && o.exited) Object.assign(changes, exitRestart(c, count, o.exited, nc, now));
  }
  return changes;
}

/** A start by the operator's restart policy counts as a restart, as Docker's would. */
function exitRestart(
  c: ObservedContainer,
  count: number,
  exited: { delayMs: number; exitCode: number },
  nc: NativeContainer,
  now: Date,
): KeptChanges {
  return {
    restartBase: { containerID: c.id, count: count + 1 },
    lastRestart: { reason: c.oomKilled ? 'OOMKilled' : 'Exited', at: now.toISOString(), exitCode: exited.exitCode },
    exitRestarts: afterExitRestart(nc.status?.exitRestarts, c.id, exited.delayMs, now),
  };
}

type ContainerOperation = Extract<Operation, { target: unknown }>;

function acts(o: Operation, id: string): o is ContainerOperation {
  return 'target' in o && o.target !== 'created' && o.target.id === id;
}

function unhealthyRestart(id: string, count: number, output: string, nc: NativeContainer, now: Date): KeptChanges {
  return {
    restartBase: { containerID: id, count: count + 1 },
    lastRestart: { reason: 'Unhealthy', at: now.toISOString(), ...(output ? { message: output } : {}) },
    unhealthyRestarts: afterUnhealthyRestart(nc.status?.unhealthyRestarts, now),
  };
}
