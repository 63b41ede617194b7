// Kubernetes Events for what the operator does, deduplicated like client-go's recorder:
// a repeat of the same reason and message on the same object bumps the count of the
// existing Event instead of creating another.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.ts';
import { isNotFound, type KubeClient } from './kube-client.ts';

export type EventType = 'Normal' | 'Warning';

interface Recorded {
  name: string;
  count: number;
}

export class EventRecorder {
  private readonly client: KubeClient;
  private readonly component: string;
  private readonly log: Logger;
  private readonly recorded = new Map<string, Recorded>();

  private chain: Promise<void> = Promise.resolve();

  constructor(options: { client: KubeClient; component: string; log: Logger }) {
    this.client = options.client;
    this.component = options.component;
    this.log = options.log;
  }

  /** Non-blocking: queues the Event and returns at once; never throws. */
  record(obj: KubeObject, type: EventType, reason: string, message: string): void {
    this.chain = this.chain.then(() => this.send1(obj, type, reason, message));
  }

  /** Sends what is queued, waiting at most timeoutMs. */
  async flush(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.chain, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private async send1(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace ?? 'default';
    const id = createHash('sha256')
      .update(`${obj.metadata.uid ?? ''}\n${type}\n${reason}\n${message}`)
      .digest('hex')
      .slice(0, 16);
    const now = new Date().toISOString();
    try {
      await this.send(obj, namespace, id, { type, reason, message, now });
    } catch (err) {
      this.log.warn({ err: String(err), reason }, 'could not record event');
    }
  }

  private async send(
    obj: KubeObject,
    namespace: string,
    id: string,
    e: { type: EventType; reason: string; message: string; now: string },
  ): Promise<void> {
    const path = `/api/v1/namespaces/${namespace}/events`;
    const seen = this.recorded.get(id);
    if (seen) {
      seen.count += 1;
      try {
        await this.client.patch(`${path}/${seen.name}`, 'merge', { count: seen.count, lastTimestamp: e.now });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const name = `${obj.metadata.name}.${id}.${Date.now().toString(36)}`;
    await this.client.create(path, {
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type: e.type,
      reason: e.reason,
      message: e.message.slice(0, 1024),
      count: 1,
      firstTimestamp: e.now,
      lastTimestamp: e.now,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
    });
    this.recorded.set(id, { name, count: 1 });
    if (this.recorded.size > 4096) this.recorded.delete(this.recorded.keys().next().value as string);
  }
}
