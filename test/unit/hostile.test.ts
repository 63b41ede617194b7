// The hostile-input corpus (test/hostile/*.yaml) sent straight to the reconcile path, as if the
// API server had not validated anything: the spec exactly as written (no defaults, no schema),
// through the real gather (with the operator's own validation), planner, executor and status
// computation, on the in-memory engine seen through the real reflector. Each entry must end in
// the outcome it names; nothing throws; an invalid spec creates no container; and a healthy
// resource on the same engine is reconciled to Ready after the whole corpus has gone through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { ContainerConfig } from '../../src/backend/container-backend.ts';
import { HostPool } from '../../src/backend/hosts.ts';
import { MemoryBackend } from '../../src/backend/memory-backend.ts';
import type { Reflector } from '../../src/backend/reflector.ts';
import { classify, type Problem } from '../../src/controllers/nativecontainer/error-policy.ts';
import { execute, StartRefusedError } from '../../src/controllers/nativecontainer/execute.ts';
import { Expectations } from '../../src/controllers/nativecontainer/expectations.ts';
import { gather } from '../../src/controllers/nativecontainer/gather.ts';
import { DEFAULT_HOST, LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { formatPlan, isRebuild, plan } from '../../src/controllers/nativecontainer/plan.ts';
import type { ReferenceLookup } from '../../src/controllers/nativecontainer/references.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import { isCondition, isRejected, loadCorpus, outcomeIn, type HostileEntry } from '../hostile/corpus.ts';
import { syncedReflector, until } from './fixtures.ts';

const NAMESPACE = 'hostile';
const CORPUS = loadCorpus();

/** An engine that also keeps what each container was created with, to check argv and env. */
class RecordingEngine extends MemoryBackend {
  readonly configs = new Map<string, ContainerConfig>();
  override async create(config: ContainerConfig): Promise<string> {
    const id = await super.create(config);
    this.configs.set(id, structuredClone(config));
    return id;
  }
}

const NOTHING: ReferenceLookup = {
  secret: () => undefined,
  configMap: () => undefined,
  containerSecret: () => undefined,
};

let engine: RecordingEngine;
let reflector: Reflector;
let hosts: HostPool;
const stop = new AbortController();
let uid = 0;

beforeAll(async () => {
  // The test image's programs that the corpus uses; any other command cannot start, as in Docker.
  engine = new RecordingEngine({ images: [TEST_IMAGE], cpus: 2, programs: ['/bin/sh'] });
  reflector = await syncedReflector(engine, stop.signal);
  hosts = new HostPool();
  hosts.add({ name: DEFAULT_HOST, backend: engine, reflector });
});

afterAll(() => stop.abort());

function resource(name: string, spec: unknown): NativeContainer {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name, namespace: NAMESPACE, uid: `uid-${++uid}`, generation: 1 },
    spec,
  } as NativeContainer;
}

interface Reconciled {
  problem?: Problem;
  ready: { status: string; reason: string; message: string };
}

/**
 * Reconciles until a problem stops it or nothing is left to do, as the reconciler's repeated
 * runs would: gather (validation included), plan, execute, wait for the cache; then the status.
 * A start Docker refused is remembered in status as the reconciler does (status.startRefused),
 * and one more round must then start nothing: its die event would otherwise bring it back.
 */
async function reconcile(nc: NativeContainer): Promise<Reconciled> {
  const first = await reconcileRounds(nc);
  if (!(first.refused instanceof StartRefusedError)) return first;
  const status = { startRefused: { containerID: first.refused.containerId, message: first.problem!.message } };
  const starts = engine.calls.filter((c) => c === 'start').length;
  const again = await reconcileRounds({ ...nc, status });
  expect(engine.calls.filter((c) => c === 'start').length).toBe(starts);
  return again;
}

async function reconcileRounds(nc: NativeContainer): Promise<Reconciled & { refused?: unknown }> {
  let problem: Problem | undefined;
  let refused: unknown;
  for (let round = 0; round < 5 && !problem; round++) {
    // No NativeContainerPolicy selects the namespace: the built-in default applies, as in the operator.
    const policy = (r: NativeContainer): string | undefined => evaluate(r.spec, NAMESPACE, {}, []).message;
    const g = await gather(nc, { refs: NOTHING, policy, hosts, expectations: new Expectations() });
    if (g.kind === 'problem') problem = g.problem;
    if (g.kind !== 'observed') break;
    const ops = plan({ desired: g.desired, observed: g.observed, deleting: false, memory: g.memory, now: new Date() });
    if (ops.length === 0) break;
    const hooks = { onStep: () => undefined, onPullProgress: () => undefined };
    // As the reconciler's expectations do: the next round waits for the cache, even after a failure.
    const executed = { touched: [] as string[], removed: [] as string[] };
    try {
      await execute(ops, { backend: engine, reflector, desired: g.desired, hooks, executed });
    } catch (err) {
      refused = err;
      problem = classify(err, { rebuilding: isRebuild(ops), hasSecretRef: false, deleting: false, host: DEFAULT_HOST });
    }
    await until('cache settled', () => reflector.settled(executed.touched));
    if (round === 4) throw new Error(`still planning after 5 rounds: ${formatPlan(ops)}`);
  }
  const [container] = reflector.byKey(`${NAMESPACE}/${nc.metadata.name}`);
  const status = computeStatus({ nc, container, engineSeen: true, ...(problem ? { problem } : {}), now: new Date() });
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  if (!ready) throw new Error('no Ready condition');
  return { ...(problem ? { problem } : {}), ready, refused };
}

function containersOf(name: string): ContainerConfig[] {
  const ids = reflector.byKey(`${NAMESPACE}/${name}`).map((c) => c.id);
  return ids.map((id) => engine.configs.get(id)!);
}

/** What the spec asked for, literally: argv and environment. */
function expectLiteral(entry: HostileEntry, config: ContainerConfig): void {
  const spec = entry.spec as { command?: string[]; args?: string[]; env?: { name: string; value?: string }[] };
  expect(config.command).toEqual(spec.command);
  expect(config.args ?? []).toEqual(spec.args ?? []);
  const env = Object.fromEntries((spec.env ?? []).map((e) => [e.name, e.value ?? '']));
  expect(config.env).toEqual(env);
}

describe('the hostile corpus, straight to the reconciler without API-server validation', () => {
  it('holds at least 150 entries, each saying what is wrong', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
    for (const e of CORPUS) expect(e.wrong.length).toBeGreaterThan(8);
  });

  it.each(CORPUS.map((e) => ({ ...e, label: `${e.file}: ${e.name}` })))('$label ($wrong)', async (entry) => {
    const outcome = outcomeIn(entry, 'reconciler');
    if (entry.holder) {
      const held = await reconcile(resource(`${entry.name}-holder`, entry.holder));
      expect(held.ready).toMatchObject({ status: 'True' });
    }
    const { problem, ready } = await reconcile(resource(entry.name, entry.spec));
    if (isRejected(outcome)) {
      expect(problem?.reason).toBe('InvalidSpec');
      expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
      expect(ready.message).toMatch(new RegExp(`(^|; )${outcome.rejected}[:\\[. ]`));
      if (outcome.message) expect(ready.message).toMatch(new RegExp(outcome.message));
      expect(containersOf(entry.name)).toEqual([]);
    } else if (isCondition(outcome)) {
      expect(ready, ready.message).toMatchObject({ status: 'False', reason: outcome.condition });
      if (outcome.message) expect(ready.message).toMatch(new RegExp(outcome.message));
      expect(reflector.byKey(`${NAMESPACE}/${entry.name}`).filter((c) => c.state === 'running')).toEqual([]);
    } else {
      expect(problem).toBeUndefined();
      expect(ready).toMatchObject({ status: 'True', reason: 'Running' });
      const [config] = containersOf(entry.name);
      if (outcome.literal) expectLiteral(entry, config!);
      if (outcome.labels) expect(config!.labels).toMatchObject(outcome.labels);
      expect(config!.labels[LABELS.ownerName]).toBe(entry.name);
    }
  });

  it('reconciles a healthy resource to Ready after the whole corpus went through', async () => {
    const healthy = await reconcile(resource('healthy', { image: TEST_IMAGE, command: ['/bin/sh', '-c', 'sleep 1'] }));
    expect(healthy.ready).toMatchObject({ status: 'True', reason: 'Running' });
  });
});
