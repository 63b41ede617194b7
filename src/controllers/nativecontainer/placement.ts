// Placement of a NativeContainer on a host: the scheduler's input gathered from caches (the
// ContainerHosts, the NativeContainers already bound, each host's reflector), and the decision of
// one reconcile: keep the binding, bind (the first time, or again after a host was lost or
// drained), or say why no host fits.
//
// Invariants:
// - A binding (status.host) changes only here, and only for a resource with no binding, one whose
//   host has not answered for spec.placement.rescheduleAfterSeconds, or one that allows
//   rescheduling on a drained host. Nothing else moves a container.
// - Between a decision and the informer showing it, the binding is "assumed" (as kube-scheduler
//   does), so that the next decision counts its requests and host ports.
// - A drained host gives up one container at a time: the next moves once the last is Ready.
import { DRAIN_ANNOTATION, type ContainerHost } from '../../api/container-host.ts';
import { findCondition } from '../../api/conditions.ts';
import type { NativeContainer, NativeContainerSpec } from '../../api/native-container.ts';
import { objectKey } from '../../api/object.ts';
import { toBytes, toMilliCpus } from '../../api/quantity.ts';
import type { HostPool } from '../../backend/hosts.ts';
import { schedule } from '../../scheduler/schedule.ts';
import type { Amounts, HostSnapshot, PlacementRequest, Strategy } from '../../scheduler/types.ts';
import { DEFAULT_HOST, LABELS, volumeSelector } from './identity.ts';

export interface PlacementDeps {
  hosts: HostPool;
  containerHosts: () => ContainerHost[];
  containerHost: (name: string) => ContainerHost | undefined;
  /** Every NativeContainer the operator knows (the informer's cache). */
  resources: () => NativeContainer[];
  strategy: Strategy;
}

export type PlacementDecision =
  /** Bound, nothing to change; recheckMs: look again then (a host down, waiting to reschedule). */
  | { kind: 'keep'; host: string; recheckMs?: number }
  /** Write this binding; `from` is the host left behind (a reschedule). */
  | { kind: 'bind'; host: string; generation: number; from?: string; message: string }
  | { kind: 'unschedulable'; message: string }
  /** Bound to a host that does not exist (its ContainerHost was deleted). */
  | { kind: 'lost'; host: string; message: string };

/** What placement counts against a host: spec.resources.requests, else the limits, else nothing. */
export function requestsOf(spec: NativeContainerSpec): Amounts {
  const r = spec.resources;
  const cpu = r?.requests?.cpu ?? r?.cpu;
  const memory = r?.requests?.memory ?? r?.memory;
  return {
    milliCpu: cpu === undefined ? 0 : toMilliCpus(cpu),
    memoryBytes: memory === undefined ? 0 : toBytes(memory),
  };
}

/** Host ports the container takes, as the scheduler compares them ("TCP/8080"). */
export function hostPortsOf(spec: NativeContainerSpec): string[] {
  return (spec.ports ?? []).filter((p) => p.hostPort !== undefined).map((p) => `${p.protocol ?? 'TCP'}/${p.hostPort}`);
}

/** A host whose spec.placement allows moving it (rescheduleAfterSeconds is set). */
export function reschedulable(nc: NativeContainer): boolean {
  return nc.spec.placement?.rescheduleAfterSeconds !== undefined;
}

export function isDraining(ch: ContainerHost | undefined): boolean {
  return ch?.metadata.annotations?.[DRAIN_ANNOTATION] === 'true' && ch.spec.unschedulable === true;
}

export class Placer {
  private readonly deps: PlacementDeps;
  /** Bindings decided and not yet seen in the informer's cache: key -> host. */
  private readonly assumed = new Map<string, string>();
  /** Per drained host, the key of the container moving away from it now. */
  private readonly moving = new Map<string, string>();

  constructor(deps: PlacementDeps) {
    this.deps = deps;
  }

  decide(nc: NativeContainer): PlacementDecision {
    const key = objectKey(nc);
    const bound = nc.status?.host ?? this.assumed.get(key);
    if (bound === undefined) return this.first(nc, key);
    if (nc.status?.host === bound) this.assumed.delete(key);
    if (!this.deps.hosts.get(bound)) {
      return {
        kind: 'lost',
        host: bound,
        message: `The container is bound to host ${bound}, which is not a ContainerHost (any more); it moves only with spec.placement.rescheduleAfterSeconds, once the host is gone that long, or when the resource is recreated.`,
      };
    }
    return this.again(nc, key, bound);
  }

  /** The first placement; containers already on a host (made before placement existed) stay there. */
  private first(nc: NativeContainer, key: string): PlacementDecision {
    const adopted = this.deps.hosts
      .all()
      .find((h) => h.reflector.byKey(key).some((c) => c.labels[LABELS.ownerUid] === nc.metadata.uid));
    // (With no ContainerHost these are on `local` and stay unbound, as before placement existed.)
    if (adopted && this.deps.containerHosts().length > 0) {
      return this.bind(key, adopted.name, 1, undefined, `Bound to host ${adopted.name}, where its container is.`);
    }
    // Zero configuration stays zero: with no ContainerHost, everything runs on `local` as before,
    // and nothing is written for it (no status.host, no Scheduled condition).
    const pin = nc.spec.placement?.hostName;
    if (this.deps.containerHosts().length === 0 && (pin === undefined || pin === DEFAULT_HOST)) {
      return { kind: 'keep', host: DEFAULT_HOST };
    }
    const decision = schedule(this.snapshots(nc, key), this.requestOf(nc, key), this.deps.strategy);
    if (decision.kind === 'unschedulable') return decision;
    return this.bind(key, decision.host, 1, undefined, `Placed on host ${decision.host}.`);
  }

  /** Bound already: move only on a drain, or after the host was down for rescheduleAfterSeconds. */
  private again(nc: NativeContainer, key: string, bound: string): PlacementDecision {
    const after = nc.spec.placement?.rescheduleAfterSeconds;
    if (after === undefined) return { kind: 'keep', host: bound };
    const generation = (nc.status?.placementGeneration ?? 1) + 1;
    if (isDraining(this.deps.containerHost(bound)) && this.drainSlotFree(bound, key)) {
      const moved = this.move(nc, key, bound, generation, `host ${bound} is drained`);
      if (moved.kind === 'bind') this.moving.set(bound, key);
      return moved;
    }
    const down = this.deps.hosts.downFor(bound);
    if (down === 0) return { kind: 'keep', host: bound };
    if (down < after * 1000) return { kind: 'keep', host: bound, recheckMs: after * 1000 - down };
    return this.move(nc, key, bound, generation, `host ${bound} has not answered for ${Math.round(down / 1000)} s`);
  }

  private move(nc: NativeContainer, key: string, from: string, generation: number, why: string): PlacementDecision {
    const req = { ...this.requestOf(nc, key), exclude: new Set([from]) };
    const decision = schedule(this.snapshots(nc, key), req, this.deps.strategy);
    // Nowhere to go: it stays bound to its host and is tried again when hosts change.
    if (decision.kind === 'unschedulable') return { kind: 'keep', host: from, recheckMs: 10_000 };
    return this.bind(key, decision.host, generation, from, `Placed again on host ${decision.host}: ${why}.`);
  }

  private bind(
    key: string,
    host: string,
    generation: number,
    from: string | undefined,
    message: string,
  ): PlacementDecision {
    this.assumed.set(key, host);
    return { kind: 'bind', host, generation, ...(from !== undefined ? { from } : {}), message };
  }

  /** Forgets an assumed binding (its status write failed, or the resource is gone). */
  forget(key: string): void {
    this.assumed.delete(key);
    for (const [host, k] of this.moving) if (k === key) this.moving.delete(host);
  }

  /** The drained host's slot is free when no container is moving away, or the last is Ready elsewhere. */
  private drainSlotFree(host: string, key: string): boolean {
    const holder = this.moving.get(host);
    if (holder === undefined || holder === key) return true;
    const nc = this.deps.resources().find((r) => objectKey(r) === holder);
    if (!nc || (nc.status?.host !== host && isReady(nc))) {
      this.moving.delete(host);
      return true;
    }
    return false;
  }

  /**
   * When `key` is the container moving off a drained host and it is Ready (or gone), the keys of
   * the containers still on that host: the next of them may move now.
   */
  nextToDrain(key: string): string[] {
    for (const [host, k] of this.moving) {
      if (k !== key) continue;
      const nc = this.deps.resources().find((r) => objectKey(r) === key);
      return !nc || (nc.status?.host !== host && isReady(nc)) ? this.boundTo(host) : [];
    }
    return [];
  }

  /** Keys of the containers bound to a host. */
  boundTo(host: string): string[] {
    return this.deps
      .resources()
      .filter((nc) => this.hostOf(nc) === host)
      .map(objectKey);
  }

  /** Keys of the resources waiting for a host. */
  unbound(): string[] {
    return this.deps
      .resources()
      .filter((nc) => this.hostOf(nc) === undefined && !nc.metadata.deletionTimestamp)
      .map(objectKey);
  }

  private hostOf(nc: NativeContainer): string | undefined {
    return this.assumed.get(objectKey(nc)) ?? nc.status?.host;
  }

  private requestOf(nc: NativeContainer, key: string): PlacementRequest {
    const p = nc.spec.placement;
    const volumesOn =
      (nc.spec.volumes ?? []).length > 0
        ? this.deps.hosts.all().find((h) => (h.reflector.volumes(volumeSelector(key)) ?? []).length > 0)?.name
        : undefined;
    return {
      ...requestsOf(nc.spec),
      ports: hostPortsOf(nc.spec),
      ...(p?.hostName !== undefined ? { hostName: p.hostName } : {}),
      ...(p?.hostSelector !== undefined ? { hostSelector: p.hostSelector } : {}),
      ...(p?.spreadBy !== undefined ? { spreadBy: p.spreadBy, peers: this.peers(nc, key, p.spreadBy) } : {}),
      ...(volumesOn !== undefined ? { volumesOn } : {}),
    };
  }

  /** Containers of the spread group (same namespace, same spreadBy) per host. */
  private peers(nc: NativeContainer, key: string, spreadBy: string): Map<string, number> {
    const peers = new Map<string, number>();
    for (const other of this.deps.resources()) {
      const host = this.hostOf(other);
      if (host === undefined || objectKey(other) === key) continue;
      if (other.metadata.namespace !== nc.metadata.namespace || other.spec.placement?.spreadBy !== spreadBy) continue;
      peers.set(host, (peers.get(host) ?? 0) + 1);
    }
    return peers;
  }

  /** The hosts as the scheduler sees them; without any ContainerHost, the one host `local`. */
  snapshots(nc: NativeContainer, key: string): HostSnapshot[] {
    const usage = this.usage(key);
    const chs = this.deps.containerHosts().filter((ch) => !ch.metadata.deletionTimestamp);
    const local = localSnapshot(usage.get(DEFAULT_HOST));
    if (chs.length === 0) return [local];
    const list = chs.map((ch) => this.snapshotOf(ch, usage.get(ch.metadata.name)));
    // With ContainerHosts, `local` takes only what is pinned to it.
    return nc.spec.placement?.hostName === DEFAULT_HOST ? [...list, local] : list;
  }

  private snapshotOf(ch: ContainerHost, used: Usage | undefined): HostSnapshot {
    const name = ch.metadata.name;
    const engine = this.deps.hosts.get(name);
    const ready =
      findCondition(ch.status?.conditions, 'Ready')?.status === 'True' && engine?.reflector.isAvailable() === true;
    return {
      name,
      labels: ch.metadata.labels ?? {},
      ready,
      unschedulable: ch.spec.unschedulable === true,
      allocatable: allocatableOf(ch),
      allocated: used?.amounts ?? { milliCpu: 0, memoryBytes: 0 },
      ports: used?.ports ?? new Set(),
      containers: used?.containers ?? 0,
    };
  }

  /** What the containers bound to each host request, the resource being placed left out. */
  private usage(except: string): Map<string, Usage> {
    const usage = new Map<string, Usage>();
    for (const nc of this.deps.resources()) {
      const host = this.hostOf(nc);
      if (host === undefined || objectKey(nc) === except) continue;
      let u = usage.get(host);
      if (!u) usage.set(host, (u = { amounts: { milliCpu: 0, memoryBytes: 0 }, ports: new Set(), containers: 0 }));
      u.containers++;
      const r = requestsOf(nc.spec);
      u.amounts.milliCpu += r.milliCpu;
      u.amounts.memoryBytes += r.memoryBytes;
      for (const p of hostPortsOf(nc.spec)) u.ports.add(p);
    }
    return usage;
  }
}

/** What the host gives to containers, from its status; unknown amounts are left out (unlimited). */
function allocatableOf(ch: ContainerHost): HostSnapshot['allocatable'] {
  const a = ch.status?.allocatable;
  return {
    ...(a?.cpu !== undefined ? { milliCpu: toMilliCpus(a.cpu) } : {}),
    ...(a?.memory !== undefined ? { memoryBytes: toBytes(a.memory) } : {}),
  };
}

interface Usage {
  amounts: Amounts;
  ports: Set<string>;
  containers: number;
}

/** The operator's own engine: always schedulable, of unknown size (a single-host install as before). */
function localSnapshot(used: Usage | undefined): HostSnapshot {
  return {
    name: DEFAULT_HOST,
    labels: {},
    ready: true,
    unschedulable: false,
    allocatable: {},
    allocated: used?.amounts ?? { milliCpu: 0, memoryBytes: 0 },
    ports: used?.ports ?? new Set(),
    containers: used?.containers ?? 0,
  };
}

function isReady(nc: NativeContainer): boolean {
  const ready = findCondition(nc.status?.conditions, 'Ready');
  return ready?.status === 'True' && nc.status?.observedGeneration === nc.metadata.generation;
}
