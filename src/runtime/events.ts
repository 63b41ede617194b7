// Kubernetes Events for what the operator does, sent in the background and aggregated the way
// client-go's recorder does it (tools/record/events_cache.go), so that no reconcile and no Docker
// operation ever waits for an Event, and a busy or flapping object cannot flood the API server.
//
// Guarantees:
// - record() returns at once and never throws.
// - Identical Events (object, type, reason, message) become one Event whose count grows; repeats
//   recorded before the first one was sent are coalesced into one write.
// - Similar Events (object, type, reason; other messages) are aggregated: from the
//   AGGREGATE_AFTER-th distinct message within AGGREGATE_WINDOW_MS on, they are counted on one
//   Event whose message starts with "(combined from similar events): ".
// - Per object a token bucket (burst SPAM_BURST, one token per SPAM_REFILL_MS) drops the excess.
// - At most MAX_QUEUED Events wait; past that the oldest are dropped. Dropped Events are counted
//   and logged once per burst. A failed write is retried a few times, then dropped.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.ts';
import { isNotFound, type KubeClient } from './kube-client.ts';

export type EventType = 'Normal' | 'Warning';

export const AGGREGATE_AFTER = 10;
export const AGGREGATE_WINDOW_MS = 600_000;
export const SPAM_BURST = 25;
export const SPAM_REFILL_MS = 300_000;
export const MAX_QUEUED = 1000;
const MAX_MESSAGE = 1024;
const RETRIES = 3;
const REMEMBERED = 4096;
export const COMBINED = '(combined from similar events): ';

export interface EventRecorderOptions {
  client: Pick<KubeClient, 'create' | 'patch'>;
  component: string;
  log: Logger;
  now?: () => Date;
  /** Waits before a retry; injected so tests need not wait. */
  delay?: (ms: number) => Promise<void>;
  onDropped?: (why: 'spam' | 'queue' | 'failed') => void;
}

interface Pending {
  obj: KubeObject;
  type: EventType;
  reason: string;
  message: string;
  /** Repeats recorded since the last write. */
  count: number;
  last: string;
}

interface Sent {
  name: string;
  namespace: string;
  count: number;
}

export class EventRecorder {
  private readonly o: Required<EventRecorderOptions>;
  /** Waiting to be written, by dedupe key, in the order first recorded. */
  private readonly queue = new Map<string, Pending>();
  /** Events already in the API server, by dedupe key (least recently used first). */
  private readonly sent = new Map<string, Sent>();
  private readonly similar = new Map<string, { messages: Map<string, number> }>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private draining: Promise<void> | undefined;
  private dropping = false;
  readonly stats = { recorded: 0, written: 0, dropped: 0 };

  constructor(options: EventRecorderOptions) {
    this.o = {
      now: () => new Date(),
      delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      onDropped: () => undefined,
      ...options,
    };
  }

  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    try {
      this.stats.recorded += 1;
      const objectKey = `${obj.metadata.uid ?? ''}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
      if (!this.takeToken(objectKey)) return this.drop('spam');
      const { identity, text } = this.aggregate(`${objectKey}\n${type}\n${reason}`, message.slice(0, MAX_MESSAGE));
      const key = createHash('sha256')
        .update(`${objectKey}\n${type}\n${reason}\n${identity}`)
        .digest('hex')
        .slice(0, 16);
      const now = this.o.now().toISOString();
      const pending = this.queue.get(key);
      if (pending) {
        pending.count += 1;
        pending.last = now;
        pending.message = text;
      } else {
        this.queue.set(key, { obj, type, reason, message: text, count: 1, last: now });
        if (this.queue.size > MAX_QUEUED) this.dropOldest();
      }
      this.draining ??= this.drain().finally(() => (this.draining = undefined));
    } catch (err) {
      this.o.log.warn({ err: String(err), reason }, 'could not queue event');
    }
  }

  /** Sends what is queued, waiting at most timeoutMs. */
  async flush(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    while (this.draining) {
      const raced = await Promise.race([this.draining.then(() => 'drained'), timeout.then(() => 'timeout')]);
      if (raced === 'timeout') break;
    }
    clearTimeout(timer);
  }

  /**
   * What identifies the Event and the message it shows: the message itself, or, once too many
   * similar ones came, one combined Event (identified without its message) showing the latest.
   */
  private aggregate(similarKey: string, message: string): { identity: string; text: string } {
    const now = this.o.now().getTime();
    let group = this.similar.get(similarKey);
    if (!group) this.similar.set(similarKey, (group = { messages: new Map() }));
    for (const [m, at] of group.messages) if (now - at > AGGREGATE_WINDOW_MS) group.messages.delete(m);
    const known = group.messages.has(message);
    group.messages.set(message, now);
    if (known || group.messages.size < AGGREGATE_AFTER) return { identity: message, text: message };
    return { identity: COMBINED, text: `${COMBINED}${message}`.slice(0, MAX_MESSAGE) };
  }

  private takeToken(objectKey: string): boolean {
    const now = this.o.now().getTime();
    const bucket = this.buckets.get(objectKey) ?? { tokens: SPAM_BURST, at: now };
    bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + (now - bucket.at) / SPAM_REFILL_MS);
    bucket.at = now;
    this.buckets.set(objectKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private dropOldest(): void {
    const oldest = this.queue.keys().next().value;
    if (oldest !== undefined) this.queue.delete(oldest);
    this.drop('queue');
  }

  private drop(why: 'spam' | 'queue' | 'failed'): void {
    this.stats.dropped += 1;
    this.o.onDropped(why);
    if (this.dropping) return;
    this.dropping = true;
    this.o.log.warn({ why }, 'dropping events');
  }

  private async drain(): Promise<void> {
    for (let next = this.take(); next; next = this.take()) {
      const [key, pending] = next;
      await this.write(key, pending);
    }
    this.dropping = false;
  }

  private take(): [string, Pending] | undefined {
    const first = this.queue.entries().next();
    if (first.done) return undefined;
    this.queue.delete(first.value[0]);
    return first.value;
  }

  private async write(key: string, p: Pending): Promise<void> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      try {
        await this.send(key, p);
        this.stats.written += 1;
        return;
      } catch (err) {
        this.o.log.debug({ err: String(err), reason: p.reason, attempt }, 'event write failed');
        await this.o.delay(100 * 4 ** attempt);
      }
    }
    this.drop('failed');
  }

  private async send(key: string, p: Pending): Promise<void> {
    const seen = this.sent.get(key);
    if (seen) {
      const count = seen.count + p.count;
      try {
        await this.o.client.patch(`/api/v1/namespaces/${seen.namespace}/events/${seen.name}`, 'merge', {
          count,
          lastTimestamp: p.last,
          message: p.message,
        });
        this.remember(key, { ...seen, count });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        // Expired or deleted meanwhile: a new Event starts a new count.
      }
    }
    await this.create(key, p);
  }

  private async create(key: string, p: Pending): Promise<void> {
    const namespace = p.obj.metadata.namespace ?? 'default';
    const name = `${p.obj.metadata.name}.${key}.${Date.now().toString(36)}`;
    await this.o.client.create(`/api/v1/namespaces/${namespace}/events`, {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: p.obj.apiVersion,
        kind: p.obj.kind,
        name: p.obj.metadata.name,
        namespace,
        uid: p.obj.metadata.uid,
        resourceVersion: p.obj.metadata.resourceVersion,
      },
      type: p.type,
      reason: p.reason,
      message: p.message,
      count: p.count,
      firstTimestamp: p.last,
      lastTimestamp: p.last,
      source: { component: this.o.component },
      reportingComponent: this.o.component,
      reportingInstance: this.o.component,
    });
    this.remember(key, { name, namespace, count: p.count });
  }

  private remember(key: string, sent: Sent): void {
    this.sent.delete(key);
    this.sent.set(key, sent);
    if (this.sent.size > REMEMBERED) this.sent.delete(this.sent.keys().next().value as string);
  }
}
