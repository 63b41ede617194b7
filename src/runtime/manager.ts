// The manager of controllers, in controller-runtime's shape: one shared informer per kind, field
// indexes over them, and controllers registered with what they reconcile (`for`) and what they
// watch with a map from the watched object to keys. Caches and other runnables (a Docker
// reflector) run on every replica; the controllers run only while this replica leads.
//
// Guarantees: controllers start only after every informer has synced, and each starts by
// enqueueing every key it knows; when leadership is lost every controller is stopped at once
// (its reconciles' signals abort) and started afresh if leadership comes back.
// Assumes: handlers registered on informers are cheap (they put keys on queues).
import type { Logger } from 'pino';
import { apiPrefix, type ResourceKind } from '../api/group.ts';
import type { KubeObject } from '../api/object.ts';
import { MeaningfulChanges } from './changes.ts';
import { Controller, type ErrorPolicy, type ReconcileFn } from './controller.ts';
import { errorMessage } from './errors.ts';
import { FieldIndex } from './field-index.ts';
import { InformerGroup } from './informer-group.ts';
import { instrumentController, instrumentInformer, instrumentQueue } from './instrument.ts';
import type { KubeClient } from './kube-client.ts';
import type { LeaderElector } from './leader-election.ts';
import type { RuntimeMetrics } from './metrics.ts';

export interface Watch {
  kind: ResourceKind;
  /** Keys of the controller's objects to reconcile when an object of `kind` changes (obj undefined: deleted). */
  map: (key: string, obj: KubeObject | undefined) => string[];
}

export interface ControllerRegistration {
  name: string;
  /** The kind reconciled; its changes enqueue its own key when `predicate` lets them. */
  for: ResourceKind;
  /** Default: a new generation, a deletion, a change of finalizers, a new or gone object. */
  predicate?: (key: string, obj: KubeObject | undefined) => boolean;
  watches?: Watch[];
  reconcile: ReconcileFn;
  errorPolicy?: ErrorPolicy;
  workers: number;
  /** Keys beyond the objects of `for` to visit at start and on every resync (owners of orphans). */
  extraKeys?: () => string[];
}

/** What a registration gets back: a way for other sources (Docker events) to enqueue keys. */
export interface ControllerHandle {
  enqueue(key: string, delayMs?: number): void;
  /** Every key the controller knows of (its objects and extra keys). */
  keys(): string[];
}

export interface Runnable {
  name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface ManagerOptions {
  client: KubeClient;
  log: Logger;
  metrics: RuntimeMetrics;
  /** Watched namespaces; empty means all. */
  namespaces: readonly string[];
  idleTimeoutMs: number;
  resyncMs: number;
  /** Undefined: this replica always leads (a single replica). */
  elector?: LeaderElector;
  leaseName?: string;
  /** How long a controller stop waits for reconciles in flight. */
  stopTimeoutMs: number;
}

export class Manager {
  private readonly o: ManagerOptions;
  private readonly informers = new Map<string, InformerGroup<KubeObject>>();
  private readonly indexes = new Map<string, FieldIndex<KubeObject>>();
  private readonly controllers: Controller[] = [];
  private readonly runnables: Runnable[] = [];
  private readonly leaderRunnables: Runnable[] = [];
  /** The leader runnables of the current term, and how to end them. */
  private term: { abort: AbortController; running: Promise<unknown>[] } | undefined;
  private readonly abort = new AbortController();
  private running: Promise<unknown>[] = [];
  private leading = false;
  private synced = false;

  constructor(options: ManagerOptions) {
    this.o = options;
    if (options.elector) options.metrics.isLeader.set({ name: this.leaseName }, 0);
  }

  private get leaseName(): string {
    return this.o.leaseName ?? 'native-container-operator';
  }

  /** The shared informer of a kind, created on first use (before start). */
  informer<T extends KubeObject>(kind: ResourceKind): InformerGroup<T> {
    const id = kindId(kind);
    let informer = this.informers.get(id);
    if (!informer) {
      informer = new InformerGroup<KubeObject>({
        client: this.o.client,
        apiPrefix: apiPrefix(kind),
        plural: kind.plural,
        namespaces: kind.clusterScoped ? [] : this.o.namespaces,
        log: this.o.log,
        idleTimeoutMs: this.o.idleTimeoutMs,
        hooks: instrumentInformer(this.o.metrics, kind.plural),
      });
      this.informers.set(id, informer);
    }
    return informer as unknown as InformerGroup<T>;
  }

  /** Indexes objects of a kind by the values `extract` returns; answers byIndex without scans. */
  index<T extends KubeObject>(kind: ResourceKind, name: string, extract: (obj: T) => string[]): void {
    const index = new FieldIndex<KubeObject>(extract as (obj: KubeObject) => string[]);
    this.indexes.set(`${kindId(kind)}#${name}`, index);
    this.informer(kind).onChange((key, obj) => index.update(key, obj));
  }

  /** Keys of the objects of `kind` whose index `name` holds `value`. */
  byIndex(kind: ResourceKind, name: string, value: string): string[] {
    const index = this.indexes.get(`${kindId(kind)}#${name}`);
    if (!index) throw new Error(`no index ${name} on ${kind.plural}`);
    return index.byValue(value);
  }

  add(reg: ControllerRegistration): ControllerHandle {
    const primary = this.informer(reg.for);
    const keys = (): string[] => [...new Set([...primary.keys(), ...(reg.extraKeys?.() ?? [])])];
    const controller = new Controller({
      name: reg.name,
      reconcile: reg.reconcile,
      ...(reg.errorPolicy ? { errorPolicy: reg.errorPolicy } : {}),
      log: this.o.log,
      workers: reg.workers,
      keys,
      resyncMs: this.o.resyncMs,
      queue: instrumentQueue(this.o.metrics, reg.name),
      hooks: instrumentController(this.o.metrics, reg.name, reg.workers),
    });
    this.controllers.push(controller);
    const predicate = reg.predicate ?? meaningful();
    primary.onChange((key, obj) => {
      if (predicate(key, obj)) controller.enqueue(key);
    });
    for (const watch of reg.watches ?? []) {
      this.informer(watch.kind).onChange((key, obj) => {
        for (const target of watch.map(key, obj)) controller.enqueue(target);
      });
    }
    return { enqueue: (key, delayMs) => controller.enqueue(key, delayMs), keys };
  }

  /** Runs on every replica from start to stop (a Docker reflector, the health server). */
  addRunnable(runnable: Runnable): void {
    this.runnables.push(runnable);
  }

  /**
   * Runs while this replica leads: started with the controllers, its signal aborted when
   * leadership is lost (awaited with them), started afresh when it comes back. For work that
   * changes the world on a timer of its own rather than reconciling keys.
   */
  addLeaderRunnable(runnable: Runnable): void {
    this.leaderRunnables.push(runnable);
  }

  isLeading(): boolean {
    return this.leading;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Starts caches and runnables, waits for the caches, then leads (or campaigns to). Returns once started. */
  async start(): Promise<void> {
    const { signal } = this.abort;
    for (const informer of this.informers.values()) informer.start();
    this.running = this.runnables.map((r) => this.runLogged(r, signal));
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
    if (signal.aborted) return;
    this.synced = true;
    this.o.log.info({ informers: this.informers.size, controllers: this.controllers.length }, 'caches synced');
    if (!this.o.elector) {
      this.startLeading();
      return;
    }
    const campaign = this.o.elector.run(
      {
        onStartedLeading: () => this.startLeading(),
        onStoppedLeading: (why) => void this.stopLeading(why),
      },
      signal,
    );
    this.running.push(campaign.catch((err: unknown) => this.o.log.error({ err: errorMessage(err) }, 'election')));
  }

  private startLeading(): void {
    this.leading = true;
    this.o.metrics.isLeader.set({ name: this.leaseName }, 1);
    this.o.log.info('leading: controllers start');
    for (const c of this.controllers) c.start();
    const abort = new AbortController();
    const signal = AbortSignal.any([abort.signal, this.abort.signal]);
    this.term = { abort, running: this.leaderRunnables.map((r) => this.runLogged(r, signal)) };
  }

  private runLogged(r: Runnable, signal: AbortSignal): Promise<unknown> {
    return r
      .run(signal)
      .catch((err: unknown) => this.o.log.error({ runnable: r.name, err: errorMessage(err) }, 'stopped'));
  }

  /** Stops acting at once: queues shut, reconciles' signals abort; waits for them (bounded). */
  private async stopLeading(why: string): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.o.metrics.isLeader.set({ name: this.leaseName }, 0);
    this.o.log.warn({ why }, 'not leading: controllers stop');
    const term = this.term;
    this.term = undefined;
    term?.abort.abort();
    const [stopped] = await Promise.all([
      Promise.all(this.controllers.map((c) => c.stop(this.o.stopTimeoutMs))),
      Promise.all(term?.running ?? []),
    ]);
    if (stopped.includes(false)) this.o.log.warn('reconciles still running after stop; they are safe to repeat');
  }

  /** Graceful stop: controllers first (bounded), the lease handed over, then caches and runnables. */
  async stop(): Promise<void> {
    await this.stopLeading('shutting down');
    await this.o.elector?.release();
    this.abort.abort();
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await Promise.all(this.running);
  }
}

function kindId(kind: ResourceKind): string {
  return `${kind.group}/${kind.plural}`;
}

function meaningful(): (key: string, obj: KubeObject | undefined) => boolean {
  const changes = new MeaningfulChanges();
  return (key, obj) => changes.changed(key, obj);
}
