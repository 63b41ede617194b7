// The placement step of a reconcile: turns the Placer's decision into status (status.host, the
// Scheduled condition) and Events, and removes a resource's copies from hosts it is not bound to.
import type { Logger } from 'pino';
import { setCondition, type ConditionInput } from '../../api/conditions.ts';
import type { NativeContainer, NativeContainerStatus } from '../../api/native-container.ts';
import { splitKey } from '../../api/object.ts';
import type { HostPool } from '../../backend/hosts.ts';
import { AWAIT_CHANGE, requeueAfter, type Action } from '../../runtime/controller.ts';
import { orphanDesired } from './desired.ts';
import { execute } from './execute.ts';
import { formatOperation, plan } from './plan.ts';
import type { PlacementDecision } from './placement.ts';
import type { StatusInput } from './status.ts';

export type Placed = { kind: 'placed'; nc: NativeContainer } | { kind: 'done'; action: Action };

export interface PlacementIO {
  write: (input: Omit<StatusInput, 'nc' | 'now'>) => Promise<void>;
  /** Writes this status as it is (the last written status with the binding changed). */
  writeStatus: (status: NativeContainerStatus) => Promise<void>;
  now: () => Date;
  record: (type: 'Normal' | 'Warning', reason: string, message: string) => void;
  /** The binding was not written: the Placer must not count it. */
  forget: () => void;
  current: () => NativeContainerStatus | undefined;
}

/** A host down with rescheduling opted in is looked at again at most this often. */
const RECHECK_MAX_MS = 5_000;

export async function placementStep(nc: NativeContainer, d: PlacementDecision, io: PlacementIO): Promise<Placed> {
  switch (d.kind) {
    case 'keep': {
      // Host down and rescheduleAfterSeconds running: the usual engine recheck brings the key
      // back; a shorter recheck keeps the move within about a second of its due time.
      const placed: Placed = { kind: 'placed', nc };
      return d.recheckMs !== undefined && d.recheckMs < RECHECK_MAX_MS
        ? { kind: 'done', action: requeueAfter(Math.max(100, d.recheckMs)) }
        : placed;
    }
    case 'unschedulable': {
      io.record('Warning', 'FailedScheduling', d.message);
      const scheduled = condition('False', 'Unschedulable', d.message);
      await io.write({
        container: undefined,
        engineSeen: false,
        problem: { reason: 'Unschedulable', message: d.message, terminal: false },
        extraConditions: [scheduled],
      });
      // Tried again when a ContainerHost changes or a resource goes (the controller's watches).
      return { kind: 'done', action: AWAIT_CHANGE };
    }
    case 'lost': {
      await io.write({
        container: undefined,
        engineSeen: false,
        problem: { reason: 'HostNotFound', message: d.message, terminal: false },
        extraConditions: [condition('False', 'HostNotFound', d.message)],
      });
      return { kind: 'done', action: AWAIT_CHANGE };
    }
    case 'bind':
      return bind(nc, d, io);
  }
}

async function bind(
  nc: NativeContainer,
  d: Extract<PlacementDecision, { kind: 'bind' }>,
  io: PlacementIO,
): Promise<Placed> {
  const reason = d.from === undefined ? 'Scheduled' : 'Rescheduled';
  // Only the binding and Scheduled change: a container adopted where it runs stays Ready.
  const before = io.current() ?? {};
  const conditions = setCondition(
    before.conditions ?? [],
    { ...condition('True', reason, d.message), observedGeneration: nc.metadata.generation ?? 0 },
    io.now(),
  );
  try {
    await io.writeStatus({ ...before, host: d.host, placementGeneration: d.generation, conditions });
  } catch (err) {
    io.forget();
    throw err;
  }
  io.record(d.from === undefined ? 'Normal' : 'Warning', reason, d.message);
  return { kind: 'placed', nc: { ...nc, status: io.current() } };
}

function condition(status: 'True' | 'False', reason: string, message: string): ConditionInput {
  return { type: 'Scheduled', status, reason, message };
}

/**
 * Stops and removes the resource's containers on every reachable host it is not bound to (volumes
 * stay: their data is not moved, and not lost). True when there was something to remove.
 */
export async function removeStaleCopies(
  key: string,
  nc: NativeContainer,
  hosts: HostPool,
  ctx: { log: Logger; signal: AbortSignal },
  onRemoved: (host: string, count: number) => void,
): Promise<boolean> {
  const bound = nc.status?.host;
  if (bound === undefined) return false;
  const { namespace = 'default', name } = splitKey(key);
  let removed = false;
  for (const host of hosts.all()) {
    if (host.name === bound) continue;
    const containers = host.reflector.byKey(key);
    if (containers.length === 0 || !host.reflector.isAvailable()) continue;
    const desired = orphanDesired(namespace, name);
    const ops = plan({
      desired,
      observed: { owned: containers, stale: [], imagePresent: true, volumes: [] },
      deleting: true,
    });
    ctx.log.warn({ plan: ops.map(formatOperation), host: host.name, bound }, 'removing stale copies');
    await execute(ops, {
      backend: host.backend,
      reflector: host.reflector,
      desired,
      hooks: { onStep: () => undefined, onPullProgress: () => undefined },
      signal: ctx.signal,
    });
    onRemoved(host.name, containers.length);
    removed = true;
  }
  return removed;
}
