// The ImageBuild reconciler: a build runs once per generation, to completion, inside the
// reconcile (the queue never runs one key twice at once). Finished builds (Succeeded or Failed
// for the current generation) wait for a change; a build interrupted by a stop shows Building
// for its generation and is run again by the next leader.
//
// Invariants: credentials come from the informer caches and go only to the engine; at most
// `slots` builds run on a host at once; a build in flight ends when its ImageBuild gets a new
// generation or is deleted; deleting an ImageBuild removes the local images of its builds
// (never the pushed image) before the finalizer goes.
import type { Logger } from 'pino';
import { IMAGE_BUILD, IMAGE_BUILD_FINALIZER, objectPath } from '../../api/group.ts';
import type { ImageBuild } from '../../api/image-build.ts';
import { splitKey } from '../../api/object.ts';
import { validateImageBuild } from '../../api/validate.ts';
import type { EngineHost } from '../../backend/hosts.ts';
import type { ImageBuilder } from '../../backend/image-builder.ts';
import { AWAIT_CHANGE, requeueAfter, type Action, type ReconcileContext } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { withFinalizer, type CleanupResult } from '../../runtime/finalizer.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { OwnWrites } from '../../runtime/own-writes.ts';
import type { Slots } from '../../runtime/slots.ts';
import type { ReferenceLookup } from '../nativecontainer/references.ts';
import { executeBuild } from './execute.ts';
import { ownerSelector } from './identity.ts';
import { inputsVersion, isInputError, resolveInputs, type BuildInputs } from './inputs.ts';
import { StatusReporter } from './reporter.ts';
import { isFinished, type BuildState } from './status.ts';

export interface BuildEngine {
  host: EngineHost;
  builder: ImageBuilder;
  slots: Slots;
}

export interface ImageBuildReconcilerDeps {
  client: KubeClient;
  events: EventRecorder;
  get: (key: string) => ImageBuild | undefined;
  /** What this process wrote last: a build's end must not be read from a lagging cache as unfinished. */
  written: OwnWrites<ImageBuild>;
  refs: ReferenceLookup;
  /** The engine an ImageBuild builds on. */
  engine: (ib: ImageBuild) => BuildEngine;
  now?: () => Date;
  progressIntervalMs?: number;
  onFinished?: (result: 'Succeeded' | 'Failed', reason: string, seconds: number) => void;
}

/** How long a build waits for an engine that does not answer before looking again. */
const ENGINE_RECHECK_MS = 5_000;

export class ImageBuildReconciler {
  private readonly deps: Required<ImageBuildReconcilerDeps>;
  /** The build in flight of each key, with the generation it builds. */
  private readonly running = new Map<string, { generation: number; abort: AbortController }>();

  constructor(deps: ImageBuildReconcilerDeps) {
    this.deps = { now: () => new Date(), progressIntervalMs: 2_000, onFinished: () => undefined, ...deps };
  }

  readonly reconcile = async (key: string, ctx: ReconcileContext): Promise<Action> => {
    const ib = this.deps.written.newest(key, this.deps.get(key));
    if (!ib) return AWAIT_CHANGE;
    const { namespace = 'default', name } = splitKey(key);
    return withFinalizer({
      client: this.deps.client,
      path: objectPath(IMAGE_BUILD, namespace, name),
      finalizer: IMAGE_BUILD_FINALIZER,
      obj: ib,
      apply: (obj) => this.apply(key, obj, ctx),
      cleanup: (obj) => this.cleanup(obj, ctx.log),
      onPatched: (obj) => this.deps.written.remember(key, obj),
    });
  };

  private async apply(key: string, ib: ImageBuild, ctx: ReconcileContext): Promise<Action> {
    const version = inputsVersion(ib, this.deps.refs);
    if (isFinished(ib, version)) return AWAIT_CHANGE;
    const reporter = this.reporter(key, ib, version, ctx.log);
    const invalid = validateImageBuild(ib);
    if (invalid.length > 0) return this.finish(ib, reporter, failedBefore('InvalidSpec', invalid.join('; ')));
    let inputs;
    try {
      inputs = resolveInputs(ib, this.deps.refs);
    } catch (err) {
      if (!isInputError(err)) throw err;
      if (err.reason === 'InvalidSpec') return this.finish(ib, reporter, failedBefore('InvalidSpec', err.message));
      // The watches on what it refers to requeue the ImageBuild when that appears.
      await reporter.report({ phase: 'Pending', reason: err.reason, message: err.message });
      return AWAIT_CHANGE;
    }
    const engine = this.deps.engine(ib);
    if (!engine.host.reflector.isAvailable()) {
      const { host } = engine;
      const message = `Waiting for Docker on host ${host.name}: ${host.reflector.unavailableReason()}`;
      await reporter.report({ phase: 'Pending', reason: 'Waiting', message });
      return requeueAfter(ENGINE_RECHECK_MS);
    }
    // A new generation or a deletion ends the build of this one (see supersede).
    const superseded = new AbortController();
    this.running.set(key, { generation: ib.metadata.generation ?? 0, abort: superseded });
    try {
      return await this.build(ib, inputs, engine, reporter, ctx, AbortSignal.any([ctx.signal, superseded.signal]));
    } catch (err) {
      if (!superseded.signal.aborted || ctx.signal.aborted) throw err;
      // The change that superseded it has put the key on the queue again.
      ctx.log.info('build superseded by a change of the ImageBuild; stopped');
      return AWAIT_CHANGE;
    } finally {
      this.running.delete(key);
      reporter.stop();
    }
  }

  /**
   * Ends the build in flight for `key` when the ImageBuild changed generation or is being
   * deleted (obj undefined: gone); called for every change the informer sees.
   */
  readonly supersede = (key: string, obj: ImageBuild | undefined): void => {
    const run = this.running.get(key);
    if (!run) return;
    if (obj && !obj.metadata.deletionTimestamp && obj.metadata.generation === run.generation) return;
    run.abort.abort(new Error('superseded'));
  };

  /** Waits for a build slot on the host, then runs the build to its end. */
  private async build(
    ib: ImageBuild,
    inputs: BuildInputs,
    { host, builder, slots }: BuildEngine,
    reporter: StatusReporter,
    ctx: ReconcileContext,
    signal: AbortSignal,
  ): Promise<Action> {
    let slot = slots.tryAcquire();
    if (!slot) {
      const message = `Waiting for a build slot on host ${host.name} (other builds are running there).`;
      ctx.log.info(message);
      await reporter.report({ phase: 'Pending', reason: 'Waiting', message });
      slot = await slots.acquire(signal);
    }
    try {
      const log = ctx.log.child({ imagebuild: `${ib.metadata.namespace ?? 'default'}/${ib.metadata.name}` });
      log.info({ generation: ib.metadata.generation, image: ib.spec.image }, 'build starts');
      const end = await executeBuild({
        ib,
        inputs,
        builder,
        log,
        announce: reporter.announce,
        progress: reporter.progress,
        signal,
        now: this.deps.now,
      });
      return await this.finish(ib, reporter, end);
    } finally {
      slot.release();
    }
  }

  /** The build ended: status, an Event and a metric; nothing more until the spec changes. */
  private async finish(
    ib: ImageBuild,
    reporter: StatusReporter,
    end: Extract<BuildState, { phase: 'Succeeded' | 'Failed' }>,
  ): Promise<Action> {
    await reporter.report(end);
    const seconds = end.startedAt ? (this.deps.now().getTime() - end.startedAt.getTime()) / 1000 : 0;
    const obj = withKind(ib);
    if (end.phase === 'Succeeded') {
      this.deps.events.record(obj, 'Normal', 'Succeeded', `Pushed ${end.pushed.image}.`);
      this.deps.onFinished('Succeeded', 'Succeeded', seconds);
    } else {
      this.deps.events.record(obj, 'Warning', end.failure.reason, end.failure.message);
      this.deps.onFinished('Failed', end.failure.reason, seconds);
    }
    return AWAIT_CHANGE;
  }

  /** Removes the local images of the ImageBuild's builds; the pushed image stays in the registry. */
  private async cleanup(ib: ImageBuild, log: Logger): Promise<CleanupResult> {
    const { host, builder } = this.deps.engine(ib);
    if (!host.reflector.isAvailable()) return { done: false, action: requeueAfter(ENGINE_RECHECK_MS) };
    const removed = await builder.removeImages(ownerSelector(ib));
    log.info({ removed }, 'removed the local images of the deleted ImageBuild');
    return { done: true };
  }

  private reporter(key: string, ib: ImageBuild, version: string, log: Logger): StatusReporter {
    return new StatusReporter({
      client: this.deps.client,
      path: objectPath(IMAGE_BUILD, ib.metadata.namespace ?? 'default', ib.metadata.name),
      ib,
      inputsVersion: version,
      now: this.deps.now,
      intervalMs: this.deps.progressIntervalMs,
      onError: (err) => log.warn({ err: String(err) }, 'could not write build progress'),
      onWritten: (obj) => this.deps.written.remember(key, obj),
    });
  }
}

function failedBefore(reason: 'InvalidSpec', message: string): Extract<BuildState, { phase: 'Failed' }> {
  return { phase: 'Failed', output: [], failure: { reason, message } };
}

function withKind(ib: ImageBuild): ImageBuild {
  return { ...ib, apiVersion: `${IMAGE_BUILD.group}/${IMAGE_BUILD.version}`, kind: IMAGE_BUILD.kind };
}
