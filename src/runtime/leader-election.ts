// Leader election on a coordination.k8s.io/v1 Lease, with client-go's algorithm and
// controller-runtime's defaults (15 s lease, 10 s renew deadline, 2 s retry period).
//
// Guarantees: at most one elector considers itself leader at a time, provided clocks tick at
// the same rate (expiry is judged by the local time at which this elector last saw the record
// change, never by comparing timestamps written by another machine). A leader that cannot renew
// within renewDeadline calls onStoppedLeading; the caller must stop acting at once.
// release() hands the lease over immediately on graceful shutdown.
import type { Logger } from 'pino';
import { isConflict, isNotFound, type KubeClient } from './kube-client.ts';

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

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  now?: () => number;
  delay?: (ms: number) => Promise<void>;
}

/** Lease times are metav1.MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaderCallbacks {
  onStartedLeading(signal: AbortSignal): void;
  onStoppedLeading(why: string): void;
}

export class LeaderElector {
  private readonly o: Required<LeaderElectionOptions>;
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  private stopped = false;

  constructor(options: LeaderElectionOptions) {
    this.o = {
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      now: Date.now,
      delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...options,
    };
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.o.namespace}/leases/${this.o.name}`;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Interim: campaigns once and leads until the lease is lost. */
  async run(callbacks: LeaderCallbacks, signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => void this.release(), { once: true });
    const lost = new AbortController();
    if (await this.acquire(() => (lost.abort(), callbacks.onStoppedLeading('lost the lease')))) {
      callbacks.onStartedLeading(lost.signal);
    }
  }

  /**
   * Waits until this elector holds the lease, then keeps renewing it in the background.
   * Resolves once leading; onStoppedLeading runs if renewal fails past the deadline.
   * Resolves false if stop() was called before the lease was won.
   */
  async acquire(onStoppedLeading: () => void): Promise<boolean> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) {
        this.leading = true;
        this.o.log.info({ lease: `${this.o.namespace}/${this.o.name}`, identity: this.o.identity }, 'became leader');
        void this.renewLoop(onStoppedLeading);
        return true;
      }
      await this.o.delay(jittered(this.o.retryPeriodMs));
    }
    return false;
  }

  /** Stops acquiring and renewing; if leading, gives the lease up so another replica takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.o.client.get<Lease>(this.path);
      if (lease.spec.holderIdentity !== this.o.identity) return;
      const now = microTime(this.o.now());
      await this.o.client.request('PUT', this.path, {
        body: { ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: now } },
      });
      this.o.log.info('released leader lease');
    } catch (err) {
      this.o.log.warn({ err: String(err) }, 'could not release leader lease; it expires by itself');
    }
  }

  private async renewLoop(onStoppedLeading: () => void): Promise<void> {
    let lastRenew = this.o.now();
    while (!this.stopped) {
      await this.o.delay(this.o.retryPeriodMs);
      if (this.stopped) return;
      if (await this.tryAcquireOrRenew()) {
        lastRenew = this.o.now();
        continue;
      }
      if (this.o.now() - lastRenew >= this.o.renewDeadlineMs) {
        this.leading = false;
        this.stopped = true;
        this.o.log.error({ renewDeadlineMs: this.o.renewDeadlineMs }, 'lost leader lease: could not renew in time');
        onStoppedLeading();
        return;
      }
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.o.now();
    const mine: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.round(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const lease = await this.getLease();
      if (!lease) {
        await this.o.client.create(this.path.replace(/\/[^/]+$/, ''), {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: mine,
        });
        this.observe(mine);
        return true;
      }
      return await this.takeOrRenew(lease, mine, now);
    } catch (err) {
      if (!isConflict(err)) this.o.log.warn({ err: String(err) }, 'leader election request failed');
      return false;
    }
  }

  private async takeOrRenew(lease: Lease, mine: LeaseSpec, now: number): Promise<boolean> {
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
    await this.o.client.request('PUT', this.path, { body: { ...lease, spec } });
    this.observe(spec);
    return true;
  }

  private async getLease(): Promise<Lease | undefined> {
    try {
      return await this.o.client.get<Lease>(this.path);
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

function jittered(ms: number): number {
  return ms * (1 + Math.random() * 0.2);
}
