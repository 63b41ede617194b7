// The engines the operator manages, by host name: each with its backend and its reflector. The
// `local` host (the operator's own DOCKER_HOST) is there from the start; ContainerHosts come and go
// while the operator runs, and listeners hear of each one added or removed.
import type { ContainerBackend } from './container-backend.ts';
import type { Reflector } from './reflector.ts';

export interface EngineHost {
  name: string;
  backend: ContainerBackend;
  reflector: Reflector;
}

export type HostListener = (host: EngineHost) => void;

export class HostPool {
  private readonly hosts = new Map<string, EngineHost>();
  /** Since when (ms) each host's engine has not answered; absent while it answers. */
  private readonly downSince = new Map<string, number>();
  private readonly added = new Set<HostListener>();
  private readonly removed = new Set<HostListener>();

  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  add(host: EngineHost): void {
    this.hosts.set(host.name, host);
    // Not yet seen answering counts as down from now: a host down when the operator starts is
    // rescheduled from after rescheduleAfterSeconds of this operator's time, never sooner.
    if (!host.reflector.isAvailable()) this.downSince.set(host.name, this.now());
    host.reflector.onAvailability((available) => {
      if (this.hosts.get(host.name) !== host) return;
      if (available) this.downSince.delete(host.name);
      else if (!this.downSince.has(host.name)) this.downSince.set(host.name, this.now());
    });
    for (const listener of this.added) listener(host);
  }

  remove(name: string): EngineHost | undefined {
    const host = this.hosts.get(name);
    if (!host) return undefined;
    this.hosts.delete(name);
    this.downSince.delete(name);
    for (const listener of this.removed) listener(host);
    return host;
  }

  get(name: string): EngineHost | undefined {
    return this.hosts.get(name);
  }

  all(): EngineHost[] {
    return [...this.hosts.values()];
  }

  /** How long (ms) the host's engine has not answered; 0 while it answers or when unknown. */
  downFor(name: string): number {
    const since = this.downSince.get(name);
    return since === undefined ? 0 : Math.max(0, this.now() - since);
  }

  /** Calls the listener for every host there is and every host added later. */
  onAdded(listener: HostListener): void {
    this.added.add(listener);
    for (const host of this.hosts.values()) listener(host);
  }

  onRemoved(listener: HostListener): void {
    this.removed.add(listener);
  }
}
