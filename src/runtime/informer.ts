// A list-then-watch cache of one kind of object.
//
// Guarantees: after hasSynced() the cache holds every object the last list or watch event
// reported; every change (add, update, delete, or a difference found by a relist) calls the
// change handlers with the object's key. The loop never stops on an error: it reconnects with
// backoff, resumes from the last resourceVersion, relists on 410 Gone, and abandons a watch that
// has been silent (no event, no bookmark) for longer than idleTimeoutMs, a known failure mode of
// long-lived HTTP streams (kubernetes-client/javascript issues 596, 958, 364).
// Assumes: handlers are cheap and do not throw (they put keys on a queue).
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.ts';
import { objectKey } from '../api/object.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { abortableDelay } from './delay.ts';
import { KubeApiError, type KubeClient, type WatchEvent } from './kube-client.ts';

export interface InformerOptions {
  client: KubeClient;
  /** Collection path, such as /apis/nativecontainer.io/v1alpha1/nativecontainers. */
  path: string;
  log: Logger;
  idleTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Injected so tests can make waits instant. */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  hooks?: InformerHooks;
}

export type WatchRestartReason = 'idle' | 'gone' | 'error' | 'closed';

export interface InformerHooks {
  onList?: () => void;
  onWatchRestart?: (reason: WatchRestartReason) => void;
}

export type ChangeHandler<T> = (key: string, obj: T | undefined) => void;

interface ListResponse<T> {
  metadata: { resourceVersion: string };
  items: T[];
}

class GoneError extends Error {}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: ChangeHandler<T>[] = [];
  private readonly abort = new AbortController();
  private readonly options: Required<Omit<InformerOptions, 'hooks'>> & Pick<InformerOptions, 'hooks'>;
  private resourceVersion = '';
  private synced = false;
  private running: Promise<void> | undefined;
  /** Counters for tests and metrics. */
  readonly stats = { lists: 0, watches: 0, idleRestarts: 0, gone: 0, errors: 0 };

  constructor(options: InformerOptions) {
    this.options = {
      idleTimeoutMs: 150_000,
      backoff: { baseMs: 200, maxMs: 30_000, jitter: 0.2 },
      delay: abortableDelay,
      ...options,
    };
  }

  onChange(handler: ChangeHandler<T>): void {
    this.handlers.push(handler);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  keys(): string[] {
    return [...this.cache.keys()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** Resolves once the first list has filled the cache. */
  async waitForSync(): Promise<void> {
    while (!this.synced && !this.abort.signal.aborted) await this.options.delay(20, this.abort.signal);
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) await this.relist();
        needList = false;
        await this.watchOnce();
        failures = 0;
        this.options.hooks?.onWatchRestart?.('closed');
      } catch (err) {
        if (signal.aborted) break;
        needList ||= err instanceof GoneError;
        failures += 1;
        this.noteFailure(err, failures);
        await this.options.delay(backoffDelay(failures - 1, this.options.backoff), signal);
      }
    }
  }

  private noteFailure(err: unknown, failures: number): void {
    const reason: WatchRestartReason =
      err instanceof GoneError ? 'gone' : err instanceof Error && err.name === 'WatchIdleError' ? 'idle' : 'error';
    this.options.hooks?.onWatchRestart?.(reason);
    if (err instanceof GoneError) {
      this.stats.gone += 1;
      this.options.log.info({ path: this.options.path }, 'watch resourceVersion too old (410); relisting');
    } else if (err instanceof Error && err.name === 'WatchIdleError') {
      this.stats.idleRestarts += 1;
      this.options.log.warn({ path: this.options.path, err: err.message }, 'watch went silent; restarting it');
    } else {
      this.stats.errors += 1;
      this.options.log.warn({ path: this.options.path, err: String(err), failures }, 'watch failed; retrying');
    }
  }

  private async relist(): Promise<void> {
    const list = await this.options.client.get<ListResponse<T>>(this.options.path, { signal: this.abort.signal });
    this.stats.lists += 1;
    this.options.hooks?.onList?.();
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = objectKey(item);
      seen.add(key);
      const old = this.cache.get(key);
      this.cache.set(key, item);
      if (old?.metadata.resourceVersion !== item.metadata.resourceVersion) this.emit(key, item);
    }
    for (const key of [...this.cache.keys()]) {
      if (seen.has(key)) continue;
      this.cache.delete(key);
      this.emit(key, undefined);
    }
    this.resourceVersion = list.metadata.resourceVersion;
    this.synced = true;
  }

  private async watchOnce(): Promise<void> {
    this.stats.watches += 1;
    try {
      await this.options.client.watch(this.options.path, {
        // The server ends each watch after a random 5 to 10 minutes, spreading reconnects of many clients.
        query: {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: 300 + Math.floor(Math.random() * 300),
        },
        signal: this.abort.signal,
        idleTimeoutMs: this.options.idleTimeoutMs,
        onEvent: (event) => this.apply(event),
      });
    } catch (err) {
      if (err instanceof KubeApiError && err.code === 410) throw new GoneError(err.message);
      throw err;
    }
  }

  private apply(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; message?: string };
      if (status.code === 410) throw new GoneError(status.message ?? 'Gone');
      throw new KubeApiError(status.code ?? 500, 'WatchError', status.message ?? 'watch error');
    }
    const obj = event.object as unknown as T;
    const rv = obj.metadata.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const key = objectKey(obj);
    if (event.type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, obj);
    this.emit(key, event.type === 'DELETED' ? undefined : obj);
  }

  private emit(key: string, obj: T | undefined): void {
    for (const handler of this.handlers) handler(key, obj);
  }
}
