// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm and
// controller-runtime's defaults (15 s lease, 10 s renew deadline, 2 s retry period).
//
// Guarantees:
// - At most one elector considers itself leader at a time, provided clocks tick at the same rate:
//   expiry is judged by the local time at which this elector last saw the record change, never by
//   comparing timestamps written by another machine.
// - Leadership is bounded in time: a leader that has not renewed successfully for renewDeadline
//   stops leading at that moment (its signal aborts, onStoppedLeading runs), even if a request
//   hangs for ever. Every request carries a timeout and a signal that end at the deadline, and a
//   timer ends the attempt there. Since renewDeadline < leaseDuration, the old leader has stopped
//   acting before anyone else can take the lease.
// - After losing the lease it campaigns again: leadership gates the controllers, not the process.
// - release() hands the lease over immediately on graceful shutdown.
import type { Logger } from 'pino';
import { abortableDelay } from './delay.ts';
import { isConflict, isNotFound, type KubeClient, type RequestOptions } from './kube-client.ts';

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

export interface LeaderCallbacks {
  /** Leadership won; `signal` aborts the moment it is lost or given up. */
  onStartedLeading(signal: AbortSignal): void;
  onStoppedLeading(why: string): void;
}

export interface LeaderElectionOptions {
  client: Pick<KubeClient, 'request'>;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Longest wait for one request while campaigning (as a leader the deadline bounds it). */
  requestTimeoutMs?: number;
  now?: () => number;
  /** Waits ms or until the signal aborts; injected so tests control time. */
  delay?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Lease times are metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly o: Required<LeaderElectionOptions>;
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  private readonly stopped = new AbortController();

  constructor(options: LeaderElectionOptions) {
    this.o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      requestTimeoutMs: 10_000,
      now: Date.now,
      delay: abortableDelay,
      random: Math.random,
      ...options,
    };
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases/${this.o.name}`;
  }

  isLeader(): boolean {
    return this.leading;
  }

  async run(callbacks: LeaderCallbacks, signal: AbortSignal): Promise<void> {
    const until = AbortSignal.any([signal, this.stopped.signal]);
    while (!until.aborted) {
      if (!(await this.campaign(until))) return;
      const term = new AbortController();
      this.leading = true;
      this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became leader');
      callbacks.onStartedLeading(term.signal);
      const why = await this.lead(until);
      this.leading = false;
      term.abort();
      if (!until.aborted) this.o.log.error({ why }, 'lost leader lease');
      callbacks.onStoppedLeading(why);
    }
  }

  /** Stops campaigning and renewing; if leading, gives the lease up so another replica takes over at once. */
  async release(): Promise<void> {
    const wasLeading = this.leading;
    this.stopped.abort();
    this.leading = false;
    if (!wasLeading) return;
    try {
      const lease = await this.o.client.request<Lease>('GET', this.path, { timeoutMs: this.o.requestTimeoutMs });
      if (lease.spec.holderIdentity !== this.o.identity) return;
      const now = microTime(this.o.now());
      await this.o.client.request('PUT', this.path, {
        body: { ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now } },
        timeoutMs: this.o.requestTimeoutMs,
      });
      this.o.log.info('released leader lease');
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'could not release leader lease; it expires by itself');
    }
  }

  /** Tries until the lease is ours (true) or the signal aborts (false). */
  private async campaign(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      if (await this.attemptWithin(this.o.requestTimeoutMs, signal)) return !signal.aborted;
      await this.o.delay(this.o.retryPeriodMs * (1 + this.o.random() * 0.2), signal);
    }
    return false;
  }

  /** Renews every retry period; returns why leadership ended. */
  private async lead(signal: AbortSignal): Promise<string> {
    let lastRenew = this.o.now();
    for (;;) {
      await this.o.delay(this.o.retryPeriodMs, signal);
      if (signal.aborted) return 'shutting down';
      const remaining = lastRenew + this.o.renewDeadlineMs - this.o.now();
      if (remaining <= 0 || !(await this.attemptWithin(remaining, signal))) {
        if (signal.aborted) return 'shutting down';
        if (lastRenew + this.o.renewDeadlineMs <= this.o.now()) {
          return `could not renew the lease within the renew deadline (${this.o.renewDeadlineMs} ms)`;
        }
        continue;
      }
      lastRenew = this.o.now();
    }
  }

  /** One attempt to acquire or renew that ends, one way or the other, within `ms`. */
  private async attemptWithin(ms: number, signal: AbortSignal): Promise<boolean> {
    const attempt = new AbortController();
    const both = AbortSignal.any([signal, attempt.signal]);
    const watchdog = this.o.delay(ms, both).then(() => false);
    try {
      return await Promise.race([this.tryAcquireOrRenew({ timeoutMs: ms, signal: both }), watchdog]);
    } finally {
      attempt.abort();
    }
  }

  private async tryAcquireOrRenew(req: Pick<RequestOptions, 'timeoutMs' | 'signal'>): Promise<boolean> {
    const now = this.o.now();
    const mine: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.round(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const lease = await this.getLease(req);
      if (!lease) {
        await this.o.client.request('POST', this.path.replace(/\/[^/]+$/, ''), {
          ...req,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.o.name, namespace: this.o.namespace },
            spec: mine,
          },
        });
        this.observe(mine);
        return true;
      }
      return await this.takeOrRenew(lease, mine, now, req);
    } catch (err) {
      if (!isConflict(err) && !req.signal?.aborted) {
        this.o.log.warn({ err: String(err) }, 'leader election request failed');
      }
      return false;
    }
  }

  private async takeOrRenew(
    lease: Lease,
    mine: LeaseSpec,
    now: number,
    req: Pick<RequestOptions, 'timeoutMs' | 'signal'>,
  ): Promise<boolean> {
    const held = lease.spec;
    const holder = held.holderIdentity ?? '';
    this.observe(held);
    const expiresAt = (this.observed?.at ?? now) + (held.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== this.o.identity && expiresAt > now) return false;
    const spec: LeaseSpec =
      holder === this.o.identity
        ? { ...mine, acquireTime: held.acquireTime ?? mine.acquireTime, leaseTransitions: held.leaseTransitions ?? 0 }
        : { ...mine, leaseTransitions: (held.leaseTransitions ?? 0) + 1 };
    // PUT with the resourceVersion read: a concurrent taker makes one of the two fail with 409.
    await this.o.client.request('PUT', this.path, { ...req, body: { ...lease, spec } });
    this.observe(spec);
    return true;
  }

  private async getLease(req: Pick<RequestOptions, 'timeoutMs' | 'signal'>): Promise<Lease | undefined> {
    try {
      return await this.o.client.request<Lease>('GET', this.path, req);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Remembers when the record last changed, by the local clock. */
  private observe(spec: LeaseSpec): void {
    const record = `${spec.holderIdentity ?? ''}|${spec.renewTime ?? ''}|${spec.leaseDurationSeconds ?? 0}`;
    if (this.observed?.record !== record) this.observed = { record, at: this.o.now() };
  }
}
