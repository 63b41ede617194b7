// The generic controller loop: N workers take keys from the queue and reconcile them.
//
// Guarantees: reconcile is never called twice at once for one key (the queue ensures it); an
// error never stops a worker; what happens next is an Action, returned by reconcile or, when it
// throws, chosen by the controller's errorPolicy (kube-rs' shape): await a change, look again
// after a delay, or back off per key exponentially. Every key comes back once per resync period
// as a safety net for missed events, each at its own jittered moment so that a resync is not one
// burst. stop() aborts the signal every reconcile gets, so work in flight can end early.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage } from './errors.ts';
import { WorkQueue, type WorkQueueOptions } from './work-queue.ts';

/** What a reconcile asks for next. */
export type Action =
  /** Nothing to do until the object or something it watches changes (or the resync comes). */
  | { kind: 'await-change' }
  /** Look again after a delay; not a failure (a pull in progress, a cache that must catch up). */
  | { kind: 'requeue'; afterMs: number }
  /** A failure that may pass: retry with the key's exponential backoff. */
  | { kind: 'backoff' };

export const AWAIT_CHANGE: Action = { kind: 'await-change' };
export const BACKOFF: Action = { kind: 'backoff' };
export function requeueAfter(ms: number): Action {
  return { kind: 'requeue', afterMs: ms };
}

export interface ReconcileContext {
  log: Logger;
  reconcileId: string;
  /** Aborted when the controller stops (shutdown, lost leadership): stop between steps. */
  signal: AbortSignal;
}

export type ReconcileFn = (key: string, ctx: ReconcileContext) => Promise<Action>;
/** Maps an error reconcile threw to the Action that follows; the default backs off. */
export type ErrorPolicy = (key: string, err: unknown) => Action;

export type ReconcileResult = 'success' | 'error' | 'requeue_after' | 'terminal';

export interface ControllerHooks {
  onResult?: (result: ReconcileResult, seconds: number) => void;
  onWorkers?: (active: number) => void;
}

export interface ControllerOptions {
  name: string;
  reconcile: ReconcileFn;
  errorPolicy?: ErrorPolicy;
  log: Logger;
  workers: number;
  /** Keys to enqueue on start and on every resync. */
  keys: () => string[];
  resyncMs: number;
  /** Fraction of resyncMs by which each key's resync moment is spread (0.1 = over a tenth of the period). */
  resyncSpread?: number;
  queue?: WorkQueueOptions;
  hooks?: ControllerHooks;
  random?: () => number;
}

export class Controller {
  readonly name: string;
  private readonly options: ControllerOptions;
  private queue: WorkQueue | undefined;
  private abort = new AbortController();
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private active = 0;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.options = options;
  }

  get running(): boolean {
    return this.queue !== undefined;
  }

  /** Adds a key now (or after delayMs); ignored while the controller is not running. */
  enqueue(key: string, delayMs = 0): void {
    if (delayMs > 0) this.queue?.addAfter(key, delayMs);
    else this.queue?.add(key);
  }

  /** Starts the workers and enqueues every key. A stopped controller can be started again. */
  start(): void {
    if (this.queue) return;
    this.abort = new AbortController();
    const queue = new WorkQueue(this.options.queue);
    this.queue = queue;
    for (let i = 0; i < this.options.workers; i++) this.workers.push(this.work(queue));
    for (const key of this.options.keys()) queue.add(key);
    this.scheduleResync();
  }

  /**
   * Stops taking keys, aborts the signal of reconciles in flight and waits for them, at most
   * timeoutMs. Returns false when some were still running at the timeout.
   */
  async stop(timeoutMs: number): Promise<boolean> {
    const queue = this.queue;
    if (!queue) return true;
    this.queue = undefined;
    clearTimeout(this.resyncTimer);
    queue.shutDown();
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = Promise.all(this.workers).then(() => true);
    const result = await Promise.race([finished, timeout]);
    clearTimeout(timer);
    this.workers = [];
    return result;
  }

  private scheduleResync(): void {
    const { resyncMs, resyncSpread = 0.1 } = this.options;
    const random = this.options.random ?? Math.random;
    // The period itself is jittered too, so that controllers started together drift apart.
    this.resyncTimer = setTimeout(
      () => {
        for (const key of this.options.keys()) this.queue?.addAfter(key, random() * resyncMs * resyncSpread);
        this.scheduleResync();
      },
      resyncMs * (0.9 + 0.2 * random()),
    );
    this.resyncTimer.unref();
  }

  private async work(queue: WorkQueue): Promise<void> {
    for (let key = await queue.take(); key !== undefined; key = await queue.take()) {
      this.active += 1;
      this.options.hooks?.onWorkers?.(this.active);
      try {
        await this.process(queue, key);
      } finally {
        this.active -= 1;
        this.options.hooks?.onWorkers?.(this.active);
        queue.done(key);
      }
    }
  }

  private async process(queue: WorkQueue, key: string): Promise<void> {
    const reconcileId = randomUUID();
    const log = this.options.log.child({ controller: this.name, key, reconcileId });
    const started = performance.now();
    let action: Action;
    let result: ReconcileResult;
    try {
      action = await this.options.reconcile(key, { log, reconcileId, signal: this.abort.signal });
      result = action.kind === 'backoff' ? 'error' : action.kind === 'requeue' ? 'requeue_after' : 'success';
    } catch (err) {
      action = (this.options.errorPolicy ?? defaultPolicy)(key, err);
      result = action.kind === 'backoff' ? 'error' : 'terminal';
      log.warn({ err: errorMessage(err), next: action.kind }, 'reconcile failed');
    }
    this.follow(queue, key, action, log);
    this.options.hooks?.onResult?.(result, (performance.now() - started) / 1000);
  }

  private follow(queue: WorkQueue, key: string, action: Action, log: Logger): void {
    if (action.kind === 'backoff') {
      const retryInMs = queue.addRateLimited(key);
      log.debug({ retryInMs, failures: queue.failureCount(key) }, 'retrying with backoff');
      return;
    }
    queue.forget(key);
    if (action.kind === 'requeue') queue.addAfter(key, action.afterMs);
  }
}

function defaultPolicy(): Action {
  return BACKOFF;
}
