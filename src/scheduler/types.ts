// What the scheduler sees: hosts as plain snapshots and one request, so that filter and score are
// pure functions of their input (no I/O, no clock), testable by tables and measurable by a bench.
import type { LabelSelector } from '../api/label-selector.ts';

/** A host port in use or asked for: "TCP/8080" (the host IP is left out: any overlap conflicts). */
export type HostPortKey = string;

/** CPU in millicores and memory in bytes: what a host has, gives or holds, or a container requests. */
export interface Amounts {
  milliCpu: number;
  memoryBytes: number;
}

export interface HostSnapshot {
  name: string;
  /** The ContainerHost's labels, what hostSelector and spreadBy read. */
  labels: Record<string, string>;
  ready: boolean;
  /** Cordoned (spec.unschedulable): keeps what runs there, takes nothing new. */
  unschedulable: boolean;
  /** What the host can give to containers: capacity minus reserved; undefined: not known, unlimited. */
  allocatable: Partial<Amounts>;
  /** The sum of the requests of the containers bound to it. */
  allocated: Amounts;
  /** Host ports taken by the containers bound to it. */
  ports: ReadonlySet<HostPortKey>;
  /** How many containers are bound to it: what tells hosts apart when nothing requests resources. */
  containers?: number;
}

export type Strategy = 'binpack' | 'spread';

/** Its Amounts: what the container requests. */
export interface PlacementRequest extends Amounts {
  /** Pinned by spec.placement.hostName. */
  hostName?: string;
  hostSelector?: LabelSelector;
  /** A host label key: containers of the same group go to the value with the fewest of them. */
  spreadBy?: string;
  /** Per host, how many containers of the same spread group are bound there already. */
  peers?: ReadonlyMap<string, number>;
  /** The host that already holds the resource's volumes: the container goes there or nowhere. */
  volumesOn?: string;
  /** Hosts not to use (the host being left on a reschedule). */
  exclude?: ReadonlySet<string>;
  ports: readonly HostPortKey[];
}

export type Decision = { kind: 'bound'; host: string } | { kind: 'unschedulable'; message: string };
