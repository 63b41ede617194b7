// What status remembers after a plan ran (pure), written right after it so a lagging cache
// cannot make the next reconcile count or repeat the same restart.
import type { NativeContainer } from '../../api/native-container.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';
import { afterUnhealthyRestart } from './health.ts';
import type { Operation } from './plan.ts';
import type { KeptChanges } from './status.ts';

/**
 * Kept fields after a plan ran: a start or restart through the API resets Docker's restart
 * count, so the count so far moves into restartBase; an unhealthy restart or stop is remembered.
 */
export function afterPlan(
  ops: readonly Operation[],
  c: ObservedContainer | undefined,
  nc: NativeContainer,
  now: Date,
): KeptChanges {
  if (!c) return {};
  const mine = ops.filter(
    (o) => o.type !== 'Create' && 'target' in o && o.target !== 'created' && o.target.id === c.id,
  );
  const base = nc.status?.restartBase?.containerID === c.id ? nc.status.restartBase.count : 0;
  const count = base + (c.restartCount ?? 0);
  const changes: KeptChanges = {};
  for (const o of mine) {
    if (o.type === 'Start' || o.type === 'Restart') changes.restartBase = { containerID: c.id, count };
    if (o.type === 'Restart' && o.unhealthy) {
      changes.restartBase = { containerID: c.id, count: count + 1 };
      changes.lastRestart = {
        reason: 'Unhealthy',
        at: now.toISOString(),
        ...(o.unhealthy.output ? { message: o.unhealthy.output } : {}),
      };
      changes.unhealthyRestarts = afterUnhealthyRestart(nc.status?.unhealthyRestarts, now);
    }
    if (o.type === 'Stop' && o.unhealthy) changes.stoppedUnhealthy = c.id;
  }
  return changes;
}
