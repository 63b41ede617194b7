// A work queue of keys with the semantics of client-go's rate-limited queue.
//
// Guarantees: a key is handed to at most one worker at a time; adding a key that is already
// waiting does nothing; adding a key that is being processed makes it run once more after
// done(). addAfter keeps the earliest of several delays. Per-key failures back off
// exponentially until forget() is called.
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { TokenBucket, type TokenBucketOptions } from './token-bucket.ts';

export interface WorkQueueOptions {
  backoff?: BackoffOptions;
  /** Overall limit of rate-limited adds across all keys. */
  bucket?: TokenBucketOptions;
  now?: () => number;
  /** Called when a key is taken: how long it waited, for the queue-duration metric. */
  onTake?: (key: string, waitedMs: number) => void;
  onAdd?: (key: string) => void;
  onRetry?: (key: string) => void;
  /** Called whenever the number of waiting keys changes, for the depth gauge. */
  onDepth?: (depth: number) => void;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly waiting = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly takers: ((key: string | undefined) => void)[] = [];
  private readonly options: Required<Pick<WorkQueueOptions, 'backoff' | 'now'>> & WorkQueueOptions;
  private readonly bucket: TokenBucket;
  private shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.options = { backoff: { baseMs: 100, maxMs: 300_000, jitter: 0.2 }, now: Date.now, ...options };
    this.bucket = new TokenBucket({ ratePerSecond: 10, burst: 100, now: this.options.now, ...options.bucket });
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    this.options.onAdd?.(key);
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.waiting.has(key)) return;
    this.waiting.add(key);
    this.addedAt.set(key, this.options.now());
    const taker = this.takers.shift();
    if (taker) this.hand(key, taker);
    else this.queue.push(key);
    this.options.onDepth?.(this.queue.length);
  }

  /** Adds the key after ms; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.options.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.timers.set(key, { at, timer });
  }

  /** Adds the key after the longer of its next backoff delay and the overall limit; returns that delay. */
  addRateLimited(key: string): number {
    const attempt = this.failures.get(key) ?? 0;
    this.failures.set(key, attempt + 1);
    this.options.onRetry?.(key);
    const ms = Math.max(backoffDelay(attempt, this.options.backoff), this.bucket.reserve());
    this.addAfter(key, ms);
    return ms;
  }

  failureCount(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Clears the key's backoff after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key, or undefined once the queue shuts down. */
  async take(): Promise<string | undefined> {
    if (this.shuttingDown) return undefined;
    const key = this.queue.shift();
    if (key !== undefined) {
      this.options.onDepth?.(this.queue.length);
      return this.claim(key);
    }
    return new Promise((resolve) => this.takers.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirtyWhileProcessing.delete(key)) this.add(key);
  }

  /** Stops handing out keys; pending takers get undefined. Keys in flight finish normally. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const taker of this.takers.splice(0)) taker(undefined);
  }

  get inFlight(): number {
    return this.processing.size;
  }

  private hand(key: string, taker: (key: string) => void): void {
    taker(this.claim(key));
  }

  private claim(key: string): string {
    this.waiting.delete(key);
    this.processing.add(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.options.onTake?.(key, this.options.now() - added);
    return key;
  }
}
