// The NativeContainer reconciler: read from the cache, validate, resolve references, observe,
// plan, execute, write status. Level-triggered and idempotent: it gets only a key and re-reads
// everything, so running it twice in a row does nothing the second time.
import type { Logger } from 'pino';
import { findCondition } from '../../api/conditions.ts';
import { CONTAINER_FINALIZER, NATIVE_CONTAINER, objectPath } from '../../api/group.ts';
import type { NativeContainer } from '../../api/native-container.ts';
import { splitKey } from '../../api/object.ts';
import { validateNativeContainer } from '../../api/validate.ts';
import {
  StaleTaskError,
  type ContainerBackend,
  type ObservedContainer,
  type RegistryAuth,
} from '../../backend/container-backend.ts';
import { DONE, type Action, type ReconcileContext } from '../../runtime/controller.ts';
import { TerminalError } from '../../runtime/errors.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../../runtime/finalizer.ts';
import { isNotFound, type KubeClient } from '../../runtime/kube-client.ts';
import { desiredContainer, type Desired } from './desired.ts';
import { execute } from './execute.ts';
import { observe, type Observed } from './observe.ts';
import { formatOperation, isRebuild, plan, type History, type Operation } from './plan.ts';
import { problemOf } from './problems.ts';
import { PullReporter } from './pull-reporter.ts';
import { UnresolvedReferenceError, resolveReferences, type ReferenceLookup } from './references.ts';
import { computeStatus, type Problem, type Progress, type StatusInput } from './status.ts';
import { StatusSink } from './status-sink.ts';

export interface NativeContainerReconcilerDeps {
  client: KubeClient;
  backend: ContainerBackend;
  events: EventRecorder;
  /** The informer's cache. */
  get: (key: string) => NativeContainer | undefined;
  /** Secrets, ConfigMaps and ContainerSecrets, from their informers' caches. */
  refs: ReferenceLookup;
  now?: () => Date;
  /** Safety-net requeue of a healthy resource. */
  resyncAfterMs?: number;
  /** Requeue while something settles that no event may announce (a healthcheck, a crash loop). */
  pollAfterMs?: number;
  /** At most one status write of pull progress per this interval. */
  progressIntervalMs?: number;
  /** Called when the reconcile acts on a resource that was Ready for its current generation: drift. */
  onDrift?: (cause: string) => void;
}

export function resourcePath(namespace: string, name: string): string {
  return objectPath(NATIVE_CONTAINER, namespace, name);
}

export class NativeContainerReconciler {
  private readonly deps: Required<NativeContainerReconcilerDeps>;

  constructor(deps: NativeContainerReconcilerDeps) {
    this.deps = {
      now: () => new Date(),
      resyncAfterMs: 300_000,
      pollAfterMs: 5_000,
      progressIntervalMs: 2_000,
      onDrift: () => undefined,
      ...deps,
    };
  }

  readonly reconcile = async (key: string, ctx: ReconcileContext): Promise<Action> => {
    const cached = this.deps.get(key);
    if (!cached) return DONE;
    const { namespace = 'default', name } = splitKey(key);
    const path = resourcePath(namespace, name);
    let sink = new StatusSink(this.deps.client, path, cached.status);
    if (cached.metadata.deletionTimestamp) return this.finalize(cached, sink, ctx.log);

    const invalid = validateNativeContainer(cached);
    if (invalid.length > 0) {
      return this.stall(cached, sink, { reason: 'InvalidSpec', message: invalid.join('; '), terminal: true });
    }
    let nc = await addFinalizer(this.deps.client, path, cached, CONTAINER_FINALIZER);
    if (restartLooksPending(nc)) {
      // The record of handled restart requests is our own status write, which the cache may not
      // have seen yet: acting on a stale copy would restart twice. Read it fresh first.
      nc = await this.deps.client.get<NativeContainer>(path);
      sink = new StatusSink(this.deps.client, path, nc.status);
    }
    let resolved: { env: Record<string, string>; auth?: RegistryAuth };
    try {
      resolved = resolveReferences(nc, this.deps.refs);
    } catch (err) {
      if (!(err instanceof UnresolvedReferenceError)) throw err;
      return this.stall(nc, sink, { reason: err.reason, message: err.message, terminal: true });
    }
    const desired = desiredContainer(nc, resolved.env);
    await this.converge(nc, desired, resolved.auth, sink, ctx.log);
    return this.settle(nc, desired, sink);
  };

  private async converge(
    nc: NativeContainer,
    desired: Desired,
    auth: RegistryAuth | undefined,
    sink: StatusSink,
    log: Logger,
  ): Promise<void> {
    let ops: Operation[] = [];
    let observed: Observed | undefined;
    try {
      observed = await observe(this.deps.backend, nc, desired.config.image);
      ops = plan({ desired, observed, deleting: false, history: historyOf(nc) });
      if (ops.length === 0) return;
      if (wasConverged(nc)) this.deps.onDrift(ops[0]!.cause);
      log.info({ plan: ops.map(formatOperation) }, 'executing plan');
      await this.run(nc, desired, ops, { auth, sink, log, before: pick(observed.owned, desired) });
    } catch (err) {
      if (err instanceof StaleTaskError) await this.removeStale(nc, observed?.owned ?? [], log, err);
      const problem = problemOf(err, { rebuilding: isRebuild(ops), hasSecretRef: nc.spec.secretRef !== undefined });
      log.warn({ reason: problem.reason, err: problem.message }, 'reconcile failed');
      await this.deps.events.record(withKind(nc), 'Warning', problem.reason, problem.message);
      await this.write(nc, sink, { container: await this.current(nc, desired), problem });
      if (problem.terminal) throw new TerminalError(problem.reason, problem.message);
      throw err;
    }
  }

  private async run(
    nc: NativeContainer,
    desired: Desired,
    ops: Operation[],
    ctx: { auth: RegistryAuth | undefined; sink: StatusSink; log: Logger; before: ObservedContainer | undefined },
  ): Promise<void> {
    const progress = progressOf(ops);
    if (progress) await this.write(nc, ctx.sink, { container: ctx.before, progress });
    const pulls = new PullReporter({
      intervalMs: this.deps.progressIntervalMs,
      now: this.deps.now,
      log: ctx.log,
      write: (message) =>
        this.write(nc, ctx.sink, {
          container: ctx.before,
          progress: { reason: 'ImagePulling', message, state: 'Pulling' },
        }),
    });
    try {
      await execute(ops, {
        backend: this.deps.backend,
        desired,
        ...(ctx.auth ? { auth: ctx.auth } : {}),
        hooks: { onStep: (op) => this.announce(nc, op, ctx.log), onPullProgress: (image, p) => pulls.report(image, p) },
      });
    } finally {
      await pulls.flush();
    }
  }

  /**
   * A container whose runtime task outlived a Docker restart can never start again. Removing it
   * (volumes stay) lets the retry, which the error still causes, create it anew under the same name.
   */
  private async removeStale(nc: NativeContainer, owned: ObservedContainer[], log: Logger, err: Error): Promise<void> {
    for (const c of owned) {
      log.warn({ container: c.id.slice(0, 12), err: err.message }, 'container has a stale runtime task; recreating it');
      await this.deps.events.record(
        withKind(nc),
        'Warning',
        'Recreate',
        `Remove ${c.id.slice(0, 12)} (stale runtime task after a Docker restart)`,
      );
      await this.deps.backend.remove(c.id);
    }
  }

  /** After a successful plan: status from a fresh observation, and when to look again. */
  private async settle(nc: NativeContainer, desired: Desired, sink: StatusSink): Promise<Action> {
    const after = await observe(this.deps.backend, nc, desired.config.image);
    const history: History = { ...historyOf(nc), ...doneRestart(desired) };
    const pending = plan({ desired, observed: after, deleting: false, history }).length > 0;
    const container = pick(after.owned, desired);
    await this.write(nc, sink, { container, pending, ...doneRestart(desired) });
    return { requeueAfterMs: pending || this.settling(container) ? this.deps.pollAfterMs : this.deps.resyncAfterMs };
  }

  /**
   * Something may change soon that no event of ours announces: a healthcheck result, a crash
   * loop, or a container just started that may exit at once (a job). Look again shortly.
   */
  private settling(c: ObservedContainer | undefined): boolean {
    if (!c) return false;
    if (c.health === 'starting' || c.health === 'unhealthy' || c.state === 'restarting') return true;
    const age = c.startedAt ? this.deps.now().getTime() - Date.parse(c.startedAt) : Infinity;
    return c.state === 'running' && age < 2 * this.deps.pollAfterMs;
  }

  /** A problem found before acting: say why on the resource and wait for a change. */
  private async stall(nc: NativeContainer, sink: StatusSink, problem: Problem): Promise<Action> {
    await this.deps.events.record(withKind(nc), 'Warning', problem.reason, problem.message);
    const container = await this.current(nc, undefined).catch(() => undefined);
    await this.write(nc, sink, { container, problem });
    throw new TerminalError(problem.reason, problem.message);
  }

  /** Stops and removes the container (and autoDelete volumes), then lets the resource go. Gone is success. */
  private async finalize(nc: NativeContainer, sink: StatusSink, log: Logger): Promise<Action> {
    if (!hasFinalizer(nc, CONTAINER_FINALIZER)) return DONE;
    const path = resourcePath(nc.metadata.namespace ?? 'default', nc.metadata.name);
    const desired = desiredContainer(nc);
    const observed = await observe(this.deps.backend, nc, desired.config.image);
    const ops = plan({ desired, observed, deleting: true });
    let current = nc;
    if (ops.length > 0) {
      const progress = {
        reason: 'Deleting',
        message: 'Removing the container before the resource goes.',
        state: 'Deleting',
      };
      await this.write(nc, sink, { container: pick(observed.owned, desired), progress });
      log.info({ plan: ops.map(formatOperation) }, 'removing container of deleted resource');
      const hooks = { onStep: (op: Operation) => this.announce(nc, op, log), onPullProgress: () => undefined };
      await execute(ops, { backend: this.deps.backend, desired, hooks });
      // The status write moved resourceVersion on; the finalizer patch must carry the new one.
      const fresh = await this.deps.client.get<NativeContainer>(path).catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (!fresh) return DONE;
      current = fresh;
    }
    await removeFinalizer(this.deps.client, path, current, CONTAINER_FINALIZER);
    return DONE;
  }

  private async announce(nc: NativeContainer, op: Operation, log: Logger): Promise<void> {
    log.info({ op: op.type, cause: op.cause }, formatOperation(op));
    const reason = op.type === 'Create' ? 'Created' : op.type;
    await this.deps.events.record(withKind(nc), 'Normal', reason, formatOperation(op));
  }

  /** The container status is computed from, when there is one. */
  private async current(nc: NativeContainer, desired: Desired | undefined): Promise<ObservedContainer | undefined> {
    const d = desired ?? desiredContainer(nc);
    try {
      const observed = await observe(this.deps.backend, nc, d.config.image);
      return pick(observed.owned, d);
    } catch {
      // Reporting a problem must not fail because the backend is the problem.
      return undefined;
    }
  }

  private async write(nc: NativeContainer, sink: StatusSink, input: Omit<StatusInput, 'nc' | 'now'>): Promise<void> {
    await sink.write(computeStatus({ ...input, nc: { ...nc, status: sink.current }, now: this.deps.now() }));
  }
}

/** Ready reasons that stand for the operator's own work under way or a failure of it, not for drift. */
const WORK_REASONS = new Set([
  'Creating',
  'ImagePulling',
  'Rebuilding',
  'Deleting',
  'Reconciling',
  'ImagePullFailed',
  'ImageNotFound',
  'RegistryAuthFailed',
  'SecretNotFound',
  'ConfigMapNotFound',
  'InvalidSpec',
  'BackendError',
]);

/** A restart request not yet recorded as carried out in status. */
function restartLooksPending(nc: NativeContainer): boolean {
  return nc.spec.restartRequest !== undefined && nc.spec.restartRequest !== nc.status?.restartRequest;
}

/**
 * The current generation was already carried out, and Ready shows what was observed of the
 * container (Running, or Exited after someone stopped it), not our own work or its failure:
 * any work now is repair of drift, not a spec change or a retry.
 */
function wasConverged(nc: NativeContainer): boolean {
  const ready = nc.status?.conditions?.find((c) => c.type === 'Ready');
  return nc.status?.observedGeneration === nc.metadata.generation && !!ready && !WORK_REASONS.has(ready.reason);
}

/** What the status remembers of earlier reconciles; see History. */
function historyOf(nc: NativeContainer): History {
  const ready = findCondition(nc.status?.conditions, 'Ready');
  return {
    ...(nc.status?.restartRequest !== undefined ? { restartRequest: nc.status.restartRequest } : {}),
    stoppedOnRequest: ready?.reason === 'Stopped',
  };
}

function doneRestart(desired: Desired): { restartRequest?: string } {
  return desired.restartRequest !== undefined ? { restartRequest: desired.restartRequest } : {};
}

/** The container that stands for the resource: the one with the final name, else any. */
function pick(owned: ObservedContainer[], desired: Desired): ObservedContainer | undefined {
  return owned.find((c) => c.name === desired.config.name) ?? owned[0];
}

/** Work worth announcing in status before it starts: a rebuild, a pull, a create. */
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
  if (ops.some((o) => o.type === 'Create'))
    return { reason: 'Creating', message: 'Creating the container.', state: 'Creating' };
  return undefined;
}

function withKind(nc: NativeContainer): NativeContainer {
  return {
    ...nc,
    apiVersion: nc.apiVersion ?? `${NATIVE_CONTAINER.group}/${NATIVE_CONTAINER.version}`,
    kind: 'NativeContainer',
  };
}
