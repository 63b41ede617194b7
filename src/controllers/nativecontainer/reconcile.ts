// The NativeContainer reconciler: read from the cache, observe, plan, execute, write status.
// Level-triggered and idempotent: it gets only a key and re-reads everything, so running it
// twice in a row does nothing the second time.
import type { Logger } from 'pino';
import { CONTAINER_FINALIZER, NATIVE_CONTAINER } from '../../api/group.ts';
import type { NativeContainer } from '../../api/native-container.ts';
import { splitKey } from '../../api/object.ts';
import { validateNativeContainer } from '../../api/validate.ts';
import { StaleTaskError, type ContainerBackend, type ObservedContainer } from '../../backend/container-backend.ts';
import { DONE, type Action, type ReconcileContext } from '../../runtime/controller.ts';
import { errorMessage, TerminalError } from '../../runtime/errors.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { addFinalizer, hasFinalizer, removeFinalizer } from '../../runtime/finalizer.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';
import { desiredContainer, type Desired } from './desired.ts';
import { execute } from './execute.ts';
import { observe } from './observe.ts';
import { formatOperation, plan, type Operation } from './plan.ts';
import { computeStatus, type Problem } from './status.ts';

export interface NativeContainerReconcilerDeps {
  client: KubeClient;
  backend: ContainerBackend;
  events: EventRecorder;
  /** The informer's cache. */
  get: (key: string) => NativeContainer | undefined;
  now?: () => Date;
  /** Safety-net requeue of a healthy resource. */
  resyncAfterMs?: number;
  stopTimeoutSeconds?: number;
  /** Called when the reconcile acts on a resource that was Ready for its current generation: drift. */
  onDrift?: (cause: string) => void;
}

export function resourcePath(namespace: string, name: string): string {
  const { group, version, plural } = NATIVE_CONTAINER;
  return `/apis/${group}/${version}/namespaces/${namespace}/${plural}/${name}`;
}

export class NativeContainerReconciler {
  private readonly deps: Required<NativeContainerReconcilerDeps>;

  constructor(deps: NativeContainerReconcilerDeps) {
    this.deps = {
      now: () => new Date(),
      resyncAfterMs: 300_000,
      stopTimeoutSeconds: 10,
      onDrift: () => undefined,
      ...deps,
    };
  }

  readonly reconcile = async (key: string, ctx: ReconcileContext): Promise<Action> => {
    const cached = this.deps.get(key);
    if (!cached) return DONE;
    const { namespace = 'default', name } = splitKey(key);
    const path = resourcePath(namespace, name);
    if (cached.metadata.deletionTimestamp) return this.finalize(cached, path, ctx.log);

    const problems = validateNativeContainer(cached);
    if (problems.length > 0) {
      const problem = { reason: 'InvalidSpec', message: problems.join('; '), terminal: true };
      await this.writeStatus(cached, path, undefined, problem);
      throw new TerminalError(problem.reason, problem.message);
    }
    const nc = await addFinalizer(this.deps.client, path, cached, CONTAINER_FINALIZER);
    const desired = desiredContainer(nc);
    try {
      await this.converge(nc, desired, ctx.log);
    } catch (err) {
      const problem = { reason: 'BackendError', message: errorMessage(err), terminal: false };
      await this.writeStatus(nc, path, await this.current(nc, desired).catch(() => undefined), problem);
      throw err;
    }
    await this.writeStatus(nc, path, await this.current(nc, desired), undefined);
    return { requeueAfterMs: this.deps.resyncAfterMs };
  };

  private async converge(nc: NativeContainer, desired: Desired, log: Logger): Promise<void> {
    const observed = await observe(this.deps.backend, nc, desired.config.image);
    const ops = plan({ desired, observed, deleting: false });
    if (ops.length === 0) return;
    if (wasConverged(nc)) this.deps.onDrift(ops[0]!.cause);
    log.info({ plan: ops.map(formatOperation) }, 'executing plan');
    try {
      await execute(ops, {
        backend: this.deps.backend,
        desired,
        stopTimeoutSeconds: this.deps.stopTimeoutSeconds,
        hooks: {
          onStep: (op) => this.announce(nc, op, log),
          onPullProgress: (image, p) => log.debug({ image, ...p }, 'pulling'),
        },
      });
    } catch (err) {
      if (!(err instanceof StaleTaskError)) throw err;
      await this.replaceStale(nc, observed.owned, log, err);
    }
  }

  /**
   * A container whose runtime task outlived a Docker restart can never start again. Removing it
   * (volumes stay) lets the retry create it anew under the same name.
   */
  private async replaceStale(nc: NativeContainer, owned: ObservedContainer[], log: Logger, err: Error): Promise<never> {
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
    throw err;
  }

  /** Stops and removes the container, then lets the resource go. A container already gone is success. */
  private async finalize(nc: NativeContainer, path: string, log: Logger): Promise<Action> {
    if (!hasFinalizer(nc, CONTAINER_FINALIZER)) return DONE;
    const desired = desiredContainer(nc);
    const observed = await observe(this.deps.backend, nc, desired.config.image);
    const ops = plan({ desired, observed, deleting: true });
    if (ops.length > 0) log.info({ plan: ops.map(formatOperation) }, 'removing container of deleted resource');
    await execute(ops, {
      backend: this.deps.backend,
      desired,
      stopTimeoutSeconds: this.deps.stopTimeoutSeconds,
      hooks: { onStep: (op) => this.announce(nc, op, log), onPullProgress: () => undefined },
    });
    await removeFinalizer(this.deps.client, path, nc, CONTAINER_FINALIZER);
    return DONE;
  }

  private async announce(nc: NativeContainer, op: Operation, log: Logger): Promise<void> {
    log.info({ op: op.type, cause: op.cause }, formatOperation(op));
    await this.deps.events.record(
      withKind(nc),
      'Normal',
      op.type === 'Create' ? 'Created' : `${op.type}`,
      formatOperation(op),
    );
  }

  /** The container status is computed from: the newest one owned by this resource. */
  private async current(nc: NativeContainer, desired: Desired): Promise<ObservedContainer | undefined> {
    const observed = await observe(this.deps.backend, nc, desired.config.image);
    return observed.owned.find((c) => c.state === 'running') ?? observed.owned[0];
  }

  private async writeStatus(
    nc: NativeContainer,
    path: string,
    container: ObservedContainer | undefined,
    problem: Problem | undefined,
  ): Promise<void> {
    const status = computeStatus({ nc, container, now: this.deps.now(), ...(problem ? { problem } : {}) });
    await writeStatus(this.deps.client, path, nc.status, status);
  }
}

/** Ready at the current generation: any work now is repair of drift, not a spec change. */
function wasConverged(nc: NativeContainer): boolean {
  const ready = nc.status?.conditions?.find((c) => c.type === 'Ready');
  return nc.status?.observedGeneration === nc.metadata.generation && ready?.status === 'True';
}

function withKind(nc: NativeContainer): NativeContainer {
  return {
    ...nc,
    apiVersion: nc.apiVersion ?? `${NATIVE_CONTAINER.group}/${NATIVE_CONTAINER.version}`,
    kind: 'NativeContainer',
  };
}
