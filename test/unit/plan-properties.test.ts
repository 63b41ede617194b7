// Properties of the planner and the spec translation, for any spec and any state of the engine
// (arbitraries in arbitraries.ts): the plan, carried out by the real executor on the in-memory
// engine and observed again through the real reflector, leaves nothing to do; and no plan ever
// removes a volume that is marked to keep.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { ObservedContainer } from '../../src/backend/container-backend.ts';
import { MemoryBackend } from '../../src/backend/memory-backend.ts';
import type { Reflector } from '../../src/backend/reflector.ts';
import { afterPlan } from '../../src/controllers/nativecontainer/after-plan.ts';
import { desiredContainer, type Desired } from '../../src/controllers/nativecontainer/desired.ts';
import { BlockedError, execute } from '../../src/controllers/nativecontainer/execute.ts';
import { memoryOf } from '../../src/controllers/nativecontainer/gather.ts';
import { LABELS, volumeSelector } from '../../src/controllers/nativecontainer/identity.ts';
import {
  formatPlan,
  plan,
  type Memory,
  type Observed,
  type Operation,
} from '../../src/controllers/nativecontainer/plan.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import {
  engineStateArb,
  LOCAL_IMAGES,
  memoryArb,
  NAME,
  NAMESPACE,
  specArb,
  UID,
  type EngineState,
} from './arbitraries.ts';
import { syncedReflector, until } from './fixtures.ts';

const KEY = `${NAMESPACE}/${NAME}`;
const NOW = new Date('2026-01-01T00:00:00Z');

function resourceOf(spec: NativeContainer['spec'], memory: Memory): NativeContainer {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name: NAME, namespace: NAMESPACE, uid: UID, generation: 1 },
    spec,
    status: {
      ...(memory.restartRequest !== undefined ? { restartRequest: memory.restartRequest } : {}),
      ...(memory.stoppedOnRequest ? { stoppedOnRequest: true } : {}),
    },
  };
}

/** A spec, what the engine holds, and what the operator remembers. */
const caseArb = specArb.chain((spec) => {
  const desired = desiredContainer(resourceOf(spec, { stoppedOnRequest: false }));
  return fc.record({
    spec: fc.constant(spec),
    engine: engineStateArb(desired),
    memory: memoryArb,
    deleting: fc.boolean(),
    // Podman 4.3: what Docker changes in place is rebuilt.
    inPlace: fc.boolean(),
  });
});

/** The engine holding `state`; Docker never has two containers of one name, so later ones are dropped. */
function engineWith(state: EngineState, desired: Desired): MemoryBackend {
  const images = state.imagePresent ? [...LOCAL_IMAGES, desired.config.image] : LOCAL_IMAGES;
  const engine = new MemoryBackend({ images: [...images, ...state.owned.map((c) => c.image)] });
  const names = new Set<string>();
  let id = 0;
  for (const c of [...state.owned, ...state.stale]) {
    if (names.has(c.name)) continue;
    names.add(c.name);
    engine.seed({ ...c, id: `c${++id}`.padEnd(64, '0') });
  }
  for (const v of state.volumes) void engine.createVolume(v.name, v.labels);
  return engine;
}

async function observe(engine: MemoryBackend, reflector: Reflector, desired: Desired): Promise<Observed> {
  const all: ObservedContainer[] = reflector.byKey(KEY);
  return {
    owned: all.filter((c) => c.labels[LABELS.ownerUid] === UID),
    stale: all.filter((c) => c.labels[LABELS.ownerUid] !== UID),
    imagePresent: await engine.imagePresent(desired.config.image),
    volumes: await engine.listVolumes(volumeSelector(KEY)),
  };
}

/** What status remembers after the plan ran, read back as the reconciler reads it. */
function memoryAfter(
  nc: NativeContainer,
  before: Observed,
  after: Observed,
  ops: Operation[],
  desired: Desired,
): Memory {
  const status = computeStatus({
    nc,
    container: after.owned[0],
    engineSeen: true,
    ...(desired.restartRequest !== undefined ? { restartRequest: desired.restartRequest } : {}),
    changes: afterPlan(ops, before.owned[0], nc, NOW),
    now: NOW,
  });
  return memoryOf({ ...nc, status });
}

/** The volumes marked to keep: autoDelete false in the spec, or, for a volume the spec no longer has, in its label. */
function keptVolumes(desired: Desired, observed: Observed): Set<string> {
  const inSpec = new Map(desired.volumes.map((v) => [v.name, v.autoDelete]));
  return new Set(
    observed.volumes
      .filter((v) => (inSpec.has(v.name) ? inSpec.get(v.name) === false : v.labels[LABELS.autoDelete] === 'false'))
      .map((v) => v.name),
  );
}

describe('properties of the planner on the in-memory engine', () => {
  it('for any spec and any engine state, carrying out the plan leaves a next plan that is empty', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ spec, engine: state, memory, deleting, inPlace }) => {
        const nc = resourceOf(spec, memory);
        const desired = { ...desiredContainer(nc), ...(inPlace ? {} : { updatesInPlace: false }) };
        const engine = engineWith(state, desired);
        const stop = new AbortController();
        try {
          const reflector = await syncedReflector(engine, stop.signal);
          const before = await observe(engine, reflector, desired);
          const ops = plan({ desired, observed: before, deleting, memory, now: NOW });
          const hooks = { onStep: () => undefined, onPullProgress: () => undefined };
          const run = execute(ops, { backend: engine, reflector, desired, hooks });
          if (ops.some((o) => o.type === 'Blocked')) {
            await expect(run).rejects.toBeInstanceOf(BlockedError);
            return;
          }
          const executed = await run;
          await until('cache settled', () => reflector.settled(executed.touched));
          const after = await observe(engine, reflector, desired);
          const next = plan({
            desired,
            observed: after,
            deleting,
            memory: memoryAfter(nc, before, after, ops, desired),
            now: NOW,
          });
          expect(formatPlan(next), `after:\n${formatPlan(ops)}`).toBe('');
        } finally {
          stop.abort();
        }
      }),
      { numRuns: 500 },
    );
  }, 120_000);

  it('for any spec and any engine state, no plan removes a volume marked to keep', () => {
    fc.assert(
      fc.property(caseArb, ({ spec, engine: state, memory, deleting }) => {
        const desired = desiredContainer(resourceOf(spec, memory));
        const observed: Observed = {
          owned: state.owned,
          stale: state.stale,
          imagePresent: state.imagePresent,
          volumes: state.volumes,
        };
        const kept = keptVolumes(desired, observed);
        const removed = plan({ desired, observed, deleting, memory, now: NOW }).flatMap((o) =>
          o.type === 'RemoveVolume' ? [o.volume] : [],
        );
        expect(removed.filter((v) => kept.has(v))).toEqual([]);
        if (!deleting) expect(removed).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});
