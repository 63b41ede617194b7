// The NativeContainer reconciler, the short glue of: gather (from caches) -> plan (pure) ->
// execute (no decisions) -> status (pure) -> one status write if it changed -> an Action.
// Level-triggered and idempotent: it gets only a key and re-reads everything, so running it twice
// in a row does nothing the second time, and a reconcile with nothing to do calls no engine.
//
// Invariants:
// - Nothing is created before the finalizer is on the resource (withFinalizer).
// - After a plan ran, the next one waits until the host's cache has seen its effects
//   (expectations); the status of the result is written by that next reconcile.
// - The record of carried-out restart requests is written right after the plan that carried
//   them out, and read back through OwnWrites, so a lagging cache cannot repeat a restart.
import type { Logger } from 'pino';
import { CONTAINER_FINALIZER, NATIVE_CONTAINER, objectPath, withKind } from '../../api/group.ts';
import type { NativeContainer } from '../../api/native-container.ts';
import { splitKey } from '../../api/object.ts';
import { normalizeImage } from '../../api/image-reference.ts';
import {
  EngineUnavailableError,
  StaleTaskError,
  type ObservedContainer,
  type ObservedVolume,
} from '../../backend/container-backend.ts';
import type { EngineHost, HostPool } from '../../backend/hosts.ts';
import { AWAIT_CHANGE, requeueAfter, type Action, type ReconcileContext } from '../../runtime/controller.ts';
import { errorMessage } from '../../runtime/errors.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { withFinalizer, type CleanupResult } from '../../runtime/finalizer.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { OwnWrites } from '../../runtime/own-writes.ts';
import { desiredContainer, exitPolicyOf, orphanDesired, type Desired } from './desired.ts';
import { exitDecision } from './exit-restarts.ts';
import { actionFor, classify, unreachable, type Problem } from './error-policy.ts';
import { execute, StartRefusedError, type Executed, type ExecuteHooks } from './execute.ts';
import type { Expectations } from './expectations.ts';
import { gather, hostNameOf, seen, volumesOf, type Gathered } from './gather.ts';
import { volumeSelector } from './identity.ts';
import { formatOperation, isRebuild, plan, type Memory, type Observed, type Operation } from './plan.ts';
import { PullReporter } from './pull-reporter.ts';
import type { ReferenceLookup } from './references.ts';
import { afterPlan } from './after-plan.ts';
import { placementStep, removeStaleCopies, type Placed } from './place.ts';
import type { Placer } from './placement.ts';
import { onUnhealthyOf, unhealthyDecision } from './health.ts';
import { checkIntervalMs, judgeUpdate, latestDigestValue, nextCheckMs, updatePolicy } from './image-update.ts';
import { computeStatus, type KeptChanges, type Progress, type StatusInput, type UpdateCheckFailure } from './status.ts';
import { StatusSink } from './status-sink.ts';

export interface NativeContainerReconcilerDeps {
  client: KubeClient;
  events: EventRecorder;
  /** The informer's cache. */
  get: (key: string) => NativeContainer | undefined;
  /** True when this operator is responsible for the namespace (for orphans). */
  watches: (namespace: string) => boolean;
  written: OwnWrites<NativeContainer>;
  refs: ReferenceLookup;
  /** What no NativeContainerPolicy of the resource's namespace allows, as a message (see policy/evaluate.ts). */
  policy?: (nc: NativeContainer) => string | undefined;
  hosts: HostPool;
  expectations: Expectations;
  /** Places resources on hosts; without it every resource is on the host `local`. */
  placer?: Placer;
  now?: () => Date;
  /** At most one status write of pull progress per this interval. */
  progressIntervalMs?: number;
  /** Looked at again after a plan ran, should no cache change bring the key back sooner. */
  settleFallbackMs?: number;
  /** Called when a plan changes a resource that was Ready for its current generation: drift. */
  onDrift?: (cause: string) => void;
  onOrphansRemoved?: (count: number) => void;
}

export function resourcePath(namespace: string, name: string): string {
  return objectPath(NATIVE_CONTAINER, namespace, name);
}

/** A deletion still stopping its container after this long says so in status. */
const ANNOUNCE_DELETING_AFTER_MS = 500;

/** How long a reconcile waits before looking again at a cache that must catch up with a plan. */
const CATCH_UP_MS = 1000;

export class NativeContainerReconciler {
  private readonly deps: Required<Omit<NativeContainerReconcilerDeps, 'placer'>> & { placer?: Placer };

  constructor(deps: NativeContainerReconcilerDeps) {
    this.deps = {
      now: () => new Date(),
      policy: () => undefined,
      progressIntervalMs: 2_000,
      settleFallbackMs: 2_000,
      onDrift: () => undefined,
      onOrphansRemoved: () => undefined,
      ...deps,
    };
  }

  readonly reconcile = async (key: string, ctx: ReconcileContext): Promise<Action> => {
    const nc = this.deps.written.newest(key, this.deps.get(key));
    if (!nc) return this.collectOrphans(key, ctx);
    const { namespace = 'default', name } = splitKey(key);
    return withFinalizer({
      client: this.deps.client,
      path: resourcePath(namespace, name),
      finalizer: CONTAINER_FINALIZER,
      obj: nc,
      apply: (obj) => this.apply(key, obj, ctx),
      cleanup: (obj) => this.cleanup(key, obj, ctx),
      onPatched: (obj) => this.deps.written.remember(key, obj),
    });
  };

  private async apply(key: string, unplaced: NativeContainer, ctx: ReconcileContext): Promise<Action> {
    const sink = this.sink(key, unplaced);
    const placed = await this.place(key, unplaced, sink, ctx);
    if (placed.kind === 'done') return placed.action;
    const { nc, g, update } = await this.gatherWithUpdates(placed.nc, sink, ctx);
    if (g.kind === 'waiting') return requeueAfter(CATCH_UP_MS);
    if (g.kind === 'problem') return this.report(nc, sink, g.seen.container, g.problem, g.engineSeen);
    const now = this.deps.now();
    const ops = plan({ desired: g.desired, observed: g.observed, deleting: false, memory: g.memory, now });
    const done = doneRestart(g.desired, g.memory);
    const kept = { changes: update.changes ?? {}, ...(update.failure ? { updateCheckFailure: update.failure } : {}) };
    if (ops.length === 0) {
      await this.write(nc, sink, { container: g.seen.container, engineSeen: true, ...done, ...kept });
      // At the plan's clock, so that it sees the back-off the plan saw: a later reading could find
      // it just over (a timer fires by the loop's cached clock, a little early) and wake up never.
      return wakeUp(nc, sink.current, g.seen.container, now);
    }
    if (wasReady(nc)) this.deps.onDrift(ops[0]!.cause);
    ctx.log.info({ plan: ops.map(formatOperation) }, 'executing plan');
    const executed: Executed = { touched: [], removed: [] };
    try {
      await this.run(nc, g, ops, sink, executed, ctx);
    } catch (err) {
      return this.failed(nc, g, ops, sink, err, ctx);
    } finally {
      // The next plan waits until the cache has seen what this one did, even part of it.
      this.deps.expectations.expect(key, executed.touched);
    }
    // Restart requests and restarts are remembered now; the rest of the status waits for the cache.
    const changes = { ...kept.changes, ...afterPlan(ops, g.seen.container, nc, now) };
    if (done.restartRequest !== undefined || Object.keys(changes).length > 0 || kept.updateCheckFailure) {
      const input = { container: g.seen.container, engineSeen: true, pending: true, ...done, ...kept, changes };
      await this.write(nc, sink, input);
    }
    return requeueAfter(this.deps.settleFallbackMs);
  }

  /**
   * Placement before anything else: bind the resource to a host (written to status.host first),
   * or say why none fits; then remove copies left on other hosts (a host that came back after its
   * containers moved) before the bound host gets any work.
   */
  private async place(key: string, nc: NativeContainer, sink: StatusSink, ctx: ReconcileContext): Promise<Placed> {
    const { placer } = this.deps;
    if (!placer) return { kind: 'placed', nc };
    const placed = await placementStep(nc, placer.decide(nc), {
      write: (input) => this.write(nc, sink, input),
      writeStatus: (status) => sink.write(status),
      now: this.deps.now,
      record: (type, reason, message) => this.deps.events.record(withKind(nc), type, reason, message),
      forget: () => placer.forget(key),
      current: () => sink.current,
    });
    if (placed.kind === 'done') return placed;
    const removed = await removeStaleCopies(key, placed.nc, this.deps.hosts, ctx, (host, count) =>
      this.deps.events.record(
        withKind(nc),
        'Normal',
        'StaleCopyRemoved',
        `Removed ${count} stale container(s) of this resource from host ${host}; it is bound to ${placed.nc.status?.host}.`,
      ),
    );
    return removed ? { kind: 'done', action: requeueAfter(CATCH_UP_MS) } : placed;
  }

  /** Gathers; a rollback or a new digest under Apply changes what is desired, so it gathers again. */
  private async gatherWithUpdates(
    original: NativeContainer,
    sink: StatusSink,
    ctx: ReconcileContext,
  ): Promise<{ nc: NativeContainer; g: Gathered; update: UpdateStep }> {
    let nc = original;
    let g = await gather(nc, this.deps);
    let update: UpdateStep = {};
    for (let pass = 0; pass < 2 && g.kind === 'observed'; pass++) {
      update = await this.updateStep(g.nc, g, sink, ctx);
      if (!update.regather) break;
      nc = { ...nc, status: sink.current };
      g = await gather(nc, this.deps);
    }
    // From here on the resource as the plan sees it (imageFrom: the image its build pushed).
    return { nc: g.kind === 'observed' ? g.nc : nc, g, update };
  }

  /**
   * Before a plan: judge the update under watch (a rollback changes what is desired), and ask
   * the registry for the tag's digest when a check is due (a new digest under Apply does too).
   */
  private async updateStep(
    nc: NativeContainer,
    g: Extract<Gathered, { kind: 'observed' }>,
    sink: StatusSink,
    ctx: ReconcileContext,
  ): Promise<UpdateStep> {
    const now = this.deps.now();
    const container = g.seen.container;
    const judged = judgeUpdate(nc.spec, nc.status, container, now);
    if (judged.kind === 'rollback') {
      const { rollback } = judged;
      ctx.log.warn({ from: rollback.from, to: rollback.to }, 'rolling back an update');
      this.deps.events.record(withKind(nc), 'Warning', 'RolledBack', rollback.message);
      const changes: KeptChanges = { rollback, pendingUpdate: null };
      await this.write(nc, sink, { container, engineSeen: true, pending: true, changes });
      return { regather: true };
    }
    const changes: KeptChanges = judged.kind === 'verified' || judged.kind === 'drop' ? { pendingUpdate: null } : {};
    const due = nextCheckMs(nc.spec, nc.status);
    if (due === undefined || now.getTime() < due - checkIntervalMs(nc.spec) * JITTER) return { changes };
    const checked = await this.checkRegistry(nc, g, ctx, now);
    Object.assign(changes, checked.changes);
    if (checked.failure) return { changes, failure: checked.failure };
    if (changes.latestDigest === nc.status?.latestDigest || updatePolicy(nc.spec) !== 'Apply') return { changes };
    await this.write(nc, sink, { container, engineSeen: true, changes });
    return { regather: true };
  }

  /** Asks the registry, through the engine and with the resource's credentials, for the tag's digest. */
  private async checkRegistry(
    nc: NativeContainer,
    g: Extract<Gathered, { kind: 'observed' }>,
    ctx: ReconcileContext,
    now: Date,
  ): Promise<UpdateStep> {
    const lastUpdateCheck = now.toISOString();
    const image = nc.spec.image ?? '';
    try {
      const digest = await g.seen.host.backend.registryDigest(normalizeImage(image), g.auth);
      const latestDigest = latestDigestValue(image, digest);
      if (latestDigest !== nc.status?.latestDigest) ctx.log.info({ image: nc.spec.image, digest }, 'tag digest');
      return { changes: { latestDigest, lastUpdateCheck } };
    } catch (err) {
      if (err instanceof EngineUnavailableError) throw err;
      const message = `Could not ask the registry for the digest of ${nc.spec.image}: ${errorMessage(err)}`;
      ctx.log.warn({ err: message }, 'image update check failed');
      return { changes: { lastUpdateCheck }, failure: { message } };
    }
  }

  private async run(
    nc: NativeContainer,
    g: Extract<Gathered, { kind: 'observed' }>,
    ops: Operation[],
    sink: StatusSink,
    executed: Executed,
    ctx: ReconcileContext,
  ): Promise<void> {
    const { host } = g.seen;
    const progress = progressOf(ops);
    const container = g.seen.container;
    if (progress) await this.write(nc, sink, { container, engineSeen: true, progress });
    if (g.auth && ops.some((o) => o.type === 'Pull')) {
      // Never the password: only who logs in where (secrets stay out of logs, test/e2e/secrets.test.ts).
      ctx.log.debug({ server: g.auth.serveraddress, username: g.auth.username }, 'pulling with registry credentials');
    }
    const pulls = new PullReporter({
      intervalMs: this.deps.progressIntervalMs,
      now: this.deps.now,
      log: ctx.log,
      write: (message) =>
        this.write(nc, sink, {
          container,
          engineSeen: true,
          progress: { reason: 'ImagePulling', message, state: 'Pulling' },
        }),
    });
    try {
      await execute(ops, {
        backend: host.backend,
        reflector: host.reflector,
        desired: g.desired,
        ...(g.auth ? { auth: g.auth } : {}),
        hooks: this.hooks(nc, ctx.log, (image, p) => pulls.report(image, p)),
        signal: ctx.signal,
        executed,
      });
    } finally {
      await pulls.flush();
    }
  }

  /** The plan failed part-way: say why, and let the error policy decide what follows. */
  private async failed(
    nc: NativeContainer,
    g: Extract<Gathered, { kind: 'observed' }>,
    ops: Operation[],
    sink: StatusSink,
    err: unknown,
    ctx: ReconcileContext,
  ): Promise<Action> {
    if (err instanceof StaleTaskError) await this.removeStale(nc, g.seen.host, g.seen.owned, ctx.log, err);
    const problem = classify(err, {
      rebuilding: isRebuild(ops),
      hasSecretRef: nc.spec.secretRef !== undefined,
      deleting: false,
      host: g.seen.host.name,
    });
    ctx.log.warn({ reason: problem.reason, err: problem.message }, 'plan failed');
    const changes: KeptChanges =
      err instanceof StartRefusedError
        ? { startRefused: { containerID: err.containerId, message: problem.message } }
        : {};
    return this.report(nc, sink, g.seen.container, problem, problem.reason !== 'DockerUnreachable', changes);
  }

  /** A problem: a Warning Event, the status that says it, and the Action the error policy picks. */
  private async report(
    nc: NativeContainer,
    sink: StatusSink,
    container: ObservedContainer | undefined,
    problem: Problem,
    engineSeen: boolean,
    changes: KeptChanges = {},
  ): Promise<Action> {
    this.deps.events.record(withKind(nc), 'Warning', problem.reason, problem.message);
    await this.write(nc, sink, { container, engineSeen, problem, changes });
    return actionFor(problem);
  }

  /**
   * A container whose runtime task outlived a Docker restart can never start again. Removing it
   * (volumes stay) lets the retry, which the error still causes, create it anew under the same name.
   */
  private async removeStale(
    nc: NativeContainer,
    host: EngineHost,
    owned: ObservedContainer[],
    log: Logger,
    err: Error,
  ): Promise<void> {
    const ops: Operation[] = owned.map((c) => ({
      type: 'Remove',
      target: { id: c.id },
      cause: 'stale runtime task after a Docker restart',
    }));
    log.warn({ err: err.message }, 'container has a stale runtime task; recreating it');
    await execute(ops, {
      backend: host.backend,
      reflector: host.reflector,
      desired: orphanDesired(nc.metadata.namespace ?? 'default', nc.metadata.name),
      hooks: this.hooks(nc, log, () => undefined),
    });
  }

  /** Stops and removes the containers (and autoDelete volumes); done once they are gone. */
  private async cleanup(key: string, nc: NativeContainer, ctx: ReconcileContext): Promise<CleanupResult> {
    const sink = this.sink(key, nc);
    // Bound to a host that is gone: nothing of it can be reached; should the host come back, its
    // containers are orphans and go as such.
    if (!this.deps.hosts.get(hostNameOf(nc))) return { done: true };
    const s = seen(nc, this.deps.hosts);
    const { reflector, backend } = s.host;
    if (!reflector.isAvailable()) {
      const problem = unreachable(backend.endpoint, reflector.unavailableReason(), {
        deleting: true,
        host: s.host.name,
      });
      return { done: false, action: await this.report(nc, sink, s.container, problem, false) };
    }
    if (this.deps.expectations.waiting(key, reflector)) return { done: false, action: requeueAfter(CATCH_UP_MS) };
    // Literal env values are enough to delete: nothing is created.
    const desired = desiredContainer(nc, undefined, s.host.name);
    const observed: Observed = {
      owned: [...s.owned, ...s.stale],
      stale: [],
      imagePresent: true,
      volumes: await volumesOf(reflector, backend, volumeSelector(key)),
    };
    const ops = plan({ desired, observed, deleting: true });
    if (ops.length === 0) return { done: true };
    ctx.log.info({ plan: ops.map(formatOperation) }, 'removing what the deleted resource owned');
    try {
      // Status says Deleting only when the stop takes a while (a grace period, a busy daemon):
      // a quick deletion is over before the write would be read, and would pay for it.
      const progress: Progress = {
        reason: 'Deleting',
        message: 'Removing the container before the resource goes.',
        state: 'Deleting',
      };
      const executing = execute(ops, {
        backend,
        reflector,
        desired,
        hooks: this.hooks(nc, ctx.log, () => undefined),
        signal: ctx.signal,
      });
      let writing: Promise<void> | undefined;
      const slow = setTimeout(() => {
        if (!ops.some((o) => o.type === 'Stop')) return;
        writing = this.write(nc, sink, { container: s.container, engineSeen: true, progress }).catch((err: unknown) =>
          // The container goes and the resource next: a lost "Deleting" is not worth a retry.
          ctx.log.warn({ err: String(err) }, 'could not write Deleting'),
        );
      }, ANNOUNCE_DELETING_AFTER_MS);
      try {
        await executing;
      } finally {
        clearTimeout(slow);
        await writing;
      }
      return { done: true };
    } catch (err) {
      const problem = classify(err, { rebuilding: false, hasSecretRef: false, deleting: true, host: s.host.name });
      return {
        done: false,
        action: await this.report(nc, sink, s.container, problem, problem.reason !== 'DockerUnreachable'),
      };
    }
  }

  /** Containers with our labels whose resource is gone: deleted through the same planner and executor. */
  private async collectOrphans(key: string, ctx: ReconcileContext): Promise<Action> {
    const { namespace = 'default', name } = splitKey(key);
    if (!this.deps.watches(namespace)) return AWAIT_CHANGE;
    for (const host of this.deps.hosts.all()) {
      const containers = host.reflector.byKey(key);
      if (containers.length === 0) continue;
      if (!host.reflector.isAvailable()) return requeueAfter(CATCH_UP_MS * 30);
      const volumes: ObservedVolume[] = await volumesOf(host.reflector, host.backend, volumeSelector(key));
      const observed: Observed = { owned: containers, stale: [], imagePresent: true, volumes };
      const ops = plan({ desired: orphanDesired(namespace, name), observed, deleting: true });
      ctx.log.info({ plan: ops.map(formatOperation), host: host.name }, 'removing containers whose resource is gone');
      const executed = await execute(ops, {
        backend: host.backend,
        reflector: host.reflector,
        desired: orphanDesired(namespace, name),
        hooks: {
          onStep: (op) => ctx.log.info({ op: op.type, cause: op.cause }, formatOperation(op)),
          onPullProgress: () => undefined,
        },
        signal: ctx.signal,
      });
      this.deps.onOrphansRemoved(executed.removed.length);
    }
    return AWAIT_CHANGE;
  }

  private hooks(nc: NativeContainer, log: Logger, onPullProgress: ExecuteHooks['onPullProgress']): ExecuteHooks {
    return {
      onStep: (op) => {
        log.info({ op: op.type, cause: op.cause }, formatOperation(op));
        // A restart or stop for a failed healthcheck is a Warning, with the probe's output.
        const unhealthy = 'unhealthy' in op && op.unhealthy !== undefined;
        const reason = op.type === 'Create' ? 'Created' : op.type;
        this.deps.events.record(
          withKind(nc),
          unhealthy ? 'Warning' : 'Normal',
          unhealthy ? 'Unhealthy' : reason,
          formatOperation(op),
        );
      },
      onPullProgress,
    };
  }

  private sink(key: string, nc: NativeContainer): StatusSink {
    const { namespace = 'default', name } = splitKey(key);
    return new StatusSink(this.deps.client, resourcePath(namespace, name), nc.status, (obj) =>
      this.deps.written.remember(key, obj),
    );
  }

  private async write(nc: NativeContainer, sink: StatusSink, input: Omit<StatusInput, 'nc' | 'now'>): Promise<void> {
    await sink.write(computeStatus({ ...input, nc: { ...nc, status: sink.current }, now: this.deps.now() }));
  }
}

/** The current generation was carried out and the container was Ready: any work now is drift. */
function wasReady(nc: NativeContainer): boolean {
  const ready = nc.status?.conditions?.find((c) => c.type === 'Ready');
  return nc.status?.observedGeneration === nc.metadata.generation && ready?.status === 'True';
}

/** What an image update step decided before the plan. */
interface UpdateStep {
  changes?: KeptChanges;
  failure?: UpdateCheckFailure;
  /** Status changed what is desired: gather again before planning. */
  regather?: boolean;
}

/** A check is due this much of its interval early, so that jittered wake-ups find it due. */
const JITTER = 0.1;

/**
 * Nothing to do now; when to look again by the clock: the next registry check (jittered), the
 * deadline of an update under watch, the end of an unhealthy restart's or an exit restart's back-off.
 * `now` must be the clock the empty plan was made at (see its caller).
 */
export function wakeUp(
  nc: NativeContainer,
  status: NativeContainer['status'],
  c: ObservedContainer | undefined,
  now: Date,
): Action {
  const nowMs = now.getTime();
  const times: number[] = [];
  const check = nextCheckMs(nc.spec, status);
  if (check !== undefined) times.push(check + checkIntervalMs(nc.spec) * JITTER * (2 * Math.random() - 1));
  const judged = judgeUpdate(nc.spec, status, c, now);
  if (judged.kind === 'wait') times.push(judged.dueMs);
  if (c) {
    const d = unhealthyDecision(c, onUnhealthyOf(nc.spec), status?.unhealthyRestarts, nowMs);
    if (d.kind === 'wait') times.push(d.dueMs);
    const ended = c.state === 'exited' || c.state === 'dead';
    const exited = ended ? exitDecision(c, exitPolicyOf(nc.spec), status?.exitRestarts, nowMs) : undefined;
    if (exited?.kind === 'wait') times.push(exited.dueMs);
  }
  if (times.length === 0) return AWAIT_CHANGE;
  return requeueAfter(Math.max(100, Math.min(...times) - nowMs));
}

/** After a successful plan the current restart request, if any, counts as carried out. */
function doneRestart(desired: Desired, memory: Memory): { restartRequest?: string } {
  return desired.restartRequest !== undefined && desired.restartRequest !== memory.restartRequest
    ? { restartRequest: desired.restartRequest }
    : {};
}

/** Work worth announcing in status before it starts: what takes a while (a pull, a stop, a rebuild). */
function progressOf(ops: Operation[]): Progress | undefined {
  const rebuild = ops.find((o) => o.type === 'Create' && isRebuild(ops));
  if (rebuild)
    return {
      reason: 'Rebuilding',
      message: `Rebuilding the container: ${rebuild.cause.replace(/^rebuild: /, '')}.`,
      state: 'Rebuilding',
    };
  const pull = ops.find((o) => o.type === 'Pull');
  if (pull?.type === 'Pull') return { reason: 'ImagePulling', message: `Pulling ${pull.image}.`, state: 'Pulling' };
  return undefined;
}
