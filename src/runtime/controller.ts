// The generic controller loop: N workers take keys from the queue and reconcile them.
//
// Guarantees: reconcile is never called twice at once for one key (the queue ensures it);
// an error never stops a worker; a TerminalError is not retried (the reconciler has already
// said why on the resource, and the next change of the resource enqueues the key again);
// any other error retries with per-key exponential backoff; every key is enqueued again
// every resyncMs as a safety net for missed events.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage, TerminalError } from './errors.ts';
import type { WorkQueue } from './work-queue.ts';

/** What a reconcile asks for next: nothing, or another look after a delay. */
export interface Action {
  requeueAfterMs?: number;
}

export const DONE: Action = {};

export interface ReconcileContext {
  log: Logger;
  reconcileId: string;
}

export type ReconcileFn = (key: string, ctx: ReconcileContext) => Promise<Action>;

export interface ControllerHooks {
  onResult?: (result: 'success' | 'error' | 'requeue_after' | 'terminal', seconds: number) => void;
  onWorkers?: (active: number) => void;
}

export interface ControllerOptions {
  name: string;
  queue: WorkQueue;
  reconcile: ReconcileFn;
  log: Logger;
  workers: number;
  /** Keys to enqueue on every resync. */
  keys: () => string[];
  resyncMs: number;
  hooks?: ControllerHooks;
}

export class Controller {
  private readonly options: ControllerOptions;
  private workers: Promise<void>[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  private active = 0;

  constructor(options: ControllerOptions) {
    this.options = options;
  }

  start(): void {
    const { queue, workers, resyncMs, keys } = this.options;
    for (let i = 0; i < workers; i++) this.workers.push(this.work());
    this.resyncTimer = setInterval(() => keys().forEach((key) => queue.add(key)), resyncMs);
    this.resyncTimer.unref();
  }

  /** Stops taking keys and waits for reconciles in flight, at most timeoutMs. Returns false on timeout. */
  async stop(timeoutMs: number): Promise<boolean> {
    clearInterval(this.resyncTimer);
    this.options.queue.shutDown();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = Promise.all(this.workers).then(() => true);
    const result = await Promise.race([finished, timeout]);
    clearTimeout(timer);
    return result;
  }

  private async work(): Promise<void> {
    const { queue } = this.options;
    for (let key = await queue.take(); key !== undefined; key = await queue.take()) {
      this.active += 1;
      this.options.hooks?.onWorkers?.(this.active);
      try {
        await this.process(key);
      } finally {
        this.active -= 1;
        this.options.hooks?.onWorkers?.(this.active);
        queue.done(key);
      }
    }
  }

  private async process(key: string): Promise<void> {
    const { queue, name } = this.options;
    const reconcileId = randomUUID();
    const log = this.options.log.child({ controller: name, key, reconcileId });
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const action = await this.options.reconcile(key, { log, reconcileId });
      queue.forget(key);
      if (action.requeueAfterMs !== undefined) queue.addAfter(key, action.requeueAfterMs);
      this.options.hooks?.onResult?.(action.requeueAfterMs === undefined ? 'success' : 'requeue_after', seconds());
    } catch (err) {
      if (err instanceof TerminalError) {
        queue.forget(key);
        log.info({ reason: err.reason, err: err.message }, 'reconcile stopped until the resource changes');
        this.options.hooks?.onResult?.('terminal', seconds());
        return;
      }
      const retryInMs = queue.addRateLimited(key);
      log.warn({ err: errorMessage(err), retryInMs, failures: queue.failureCount(key) }, 'reconcile failed; retrying');
      this.options.hooks?.onResult?.('error', seconds());
    }
  }
}
