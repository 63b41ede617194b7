// The middle tier: every golden planner row, carried out by the real executor on the in-memory
// engine and observed again through the real reflector, must leave nothing to do. A plan that
// prints right but does not get there (a missing start, a rename the engine refuses) fails here.
import { afterEach, describe, expect, it } from 'vitest';
import type { NativeContainerStatus } from '../../src/api/native-container.ts';
import type { ObservedContainer } from '../../src/backend/container-backend.ts';
import { MemoryBackend } from '../../src/backend/memory-backend.ts';
import type { Reflector } from '../../src/backend/reflector.ts';
import type { Desired } from '../../src/controllers/nativecontainer/desired.ts';
import { BlockedError, execute } from '../../src/controllers/nativecontainer/execute.ts';
import { LABELS, MANAGED_BY } from '../../src/controllers/nativecontainer/identity.ts';
import { formatPlan, plan, type Memory, type Observed } from '../../src/controllers/nativecontainer/plan.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import { memoryOf } from '../../src/controllers/nativecontainer/gather.ts';
import { nativeContainer, syncedReflector, until } from './fixtures.ts';
import { afterPlan } from '../../src/controllers/nativecontainer/after-plan.ts';
import type { Operation } from '../../src/controllers/nativecontainer/plan.ts';
import { create, deleting, health, inPlace, rebuild, states, update, type Case } from './plan-cases.ts';

const KEY = 'team-a/web';
const UID = 'uid-1';
let stop: AbortController | undefined;

afterEach(() => stop?.abort());

/** The engine as a row observed it: its containers (with the labels a real one carries), volumes and images. */
function engineFor(row: Case): MemoryBackend {
  const images = [...row.observed.owned, ...row.observed.stale].map((c) => c.image);
  if (row.observed.imagePresent) images.push(row.desired.config.image);
  const engine = new MemoryBackend({ images });
  for (const c of [...row.observed.owned, ...row.observed.stale]) engine.seed(withIdentity(c));
  for (const v of row.observed.volumes) void engine.createVolume(v.name, v.labels);
  return engine;
}

function withIdentity(c: ObservedContainer): ObservedContainer {
  return {
    ...c,
    labels: {
      ...c.labels,
      [LABELS.managedBy]: MANAGED_BY,
      [LABELS.ownerNamespace]: 'team-a',
      [LABELS.ownerName]: 'web',
    },
  };
}

async function reflectorOn(engine: MemoryBackend): Promise<Reflector> {
  stop = new AbortController();
  return syncedReflector(engine, stop.signal);
}

async function observe(engine: MemoryBackend, reflector: Reflector, desired: Desired): Promise<Observed> {
  const all = reflector.byKey(KEY);
  return {
    owned: all.filter((c) => c.labels[LABELS.ownerUid] === UID),
    stale: all.filter((c) => c.labels[LABELS.ownerUid] !== UID),
    imagePresent: await engine.imagePresent(desired.config.image),
    volumes: await engine.listVolumes({ [LABELS.ownerNamespace]: 'team-a', [LABELS.ownerName]: 'web' }),
  };
}

/** A row's memory as the status fields it is read from. */
function rememberedBy(memory: Memory | undefined): NativeContainerStatus {
  if (!memory) return {};
  return {
    ...(memory.restartRequest ? { restartRequest: memory.restartRequest } : {}),
    ...(memory.stoppedOnRequest ? { stoppedOnRequest: true } : {}),
    ...(memory.unhealthyRestarts ? { unhealthyRestarts: memory.unhealthyRestarts } : {}),
    ...(memory.stoppedUnhealthy ? { stoppedUnhealthy: memory.stoppedUnhealthy } : {}),
    ...(memory.exitRestarts ? { exitRestarts: memory.exitRestarts } : {}),
  };
}

/** What the status would remember after the plan ran, read back the way the reconciler reads it. */
function memoryAfter(row: Case, after: Observed, done: boolean, ops: Operation[]): Memory {
  const nc = nativeContainer(
    {
      ...(row.desired.state !== 'Running' ? { state: row.desired.state } : {}),
      ...(row.desired.exit.policy === 'Always' ? {} : { restartPolicy: row.desired.exit.policy }),
      ...(row.desired.exit.byOperator ? { placement: { rescheduleAfterSeconds: 60 } } : {}),
    },
    {},
  );
  const before = { ...nc, status: rememberedBy(row.memory) };
  const now = row.now ?? new Date();
  const status = computeStatus({
    nc: before,
    container: after.owned[0],
    engineSeen: true,
    ...(done && row.desired.restartRequest !== undefined ? { restartRequest: row.desired.restartRequest } : {}),
    changes: afterPlan(ops, row.observed.owned[0], before, now),
    now,
  });
  return memoryOf({ ...nc, status });
}

const rows = [...create, ...states, ...inPlace, ...rebuild, ...deleting, ...health, ...update];

describe('every golden plan, carried out on the in-memory engine', () => {
  it.each(rows)('$name: then nothing is left to do', async (row) => {
    const engine = engineFor(row);
    const reflector = await reflectorOn(engine);
    const deletingRow = row.deleting ?? false;
    const ops = plan({
      desired: row.desired,
      observed: row.observed,
      deleting: deletingRow,
      ...(row.memory ? { memory: row.memory } : {}),
      ...(row.now ? { now: row.now } : {}),
    });
    const hooks = { onStep: () => undefined, onPullProgress: () => undefined };
    if (ops.some((o) => o.type === 'Blocked')) {
      await expect(execute(ops, { backend: engine, reflector, desired: row.desired, hooks })).rejects.toBeInstanceOf(
        BlockedError,
      );
      return;
    }
    const executed = await execute(ops, { backend: engine, reflector, desired: row.desired, hooks });
    await until('cache settled', () => reflector.settled(executed.touched));
    const after = await observe(engine, reflector, row.desired);
    const next = plan({
      desired: row.desired,
      observed: after,
      deleting: deletingRow,
      memory: memoryAfter(row, after, true, ops),
      ...(row.now ? { now: row.now } : {}),
    });
    expect(formatPlan(next)).toBe('');
    if (deletingRow) expect(after.owned.concat(after.stale)).toEqual([]);
  });
});
