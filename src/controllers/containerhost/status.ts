// The status of a ContainerHost, computed from what the engine said (pure): Ready and why not,
// the engine and its version, capacity (the engine's or spec.capacity), allocatable (capacity
// minus reserved), what the NativeContainers placed there request, and the last heartbeat.
import { setCondition, type Condition } from '../../api/conditions.ts';
import type {
  ContainerHost,
  ContainerHostReason,
  ContainerHostStatus,
  ResourceAmounts,
} from '../../api/container-host.ts';
import { toBytes, toMilliCpus } from '../../api/quantity.ts';
import type { EngineInfo } from '../../backend/container-backend.ts';
import { unsupportedVersion } from '../../backend/engines.ts';
import type { Amounts } from '../../scheduler/types.ts';

export interface HostObservation {
  ch: ContainerHost;
  /** What the engine said; undefined when it did not answer. */
  info?: EngineInfo;
  /** When the engine said it: `now`, or earlier when kept from an earlier reconcile (the heartbeat). */
  answeredAt?: Date;
  /** Why the engine cannot be reached or trusted (when info is undefined). */
  problem?: { reason: ContainerHostReason; message: string };
  /** The requests of the NativeContainers bound to the host. */
  allocated: Amounts;
  containers: number;
  now: Date;
  /** A heartbeat is written at most this often when nothing else changed. */
  heartbeatMs: number;
}

export function computeHostStatus(o: HostObservation): ContainerHostStatus {
  const before = o.ch.status ?? {};
  const generation = o.ch.metadata.generation ?? 0;
  const versionProblem = o.info ? unsupportedVersion(o.info.engine, o.info.apiVersion) : undefined;
  const ready = readyCondition(o, versionProblem);
  const conditions = setCondition(before.conditions ?? [], { ...ready, observedGeneration: generation }, o.now);
  const engine = o.info
    ? { engine: o.info.engine, version: o.info.version, apiVersion: o.info.apiVersion }
    : pick(before, ['engine', 'version', 'apiVersion']);
  const capacity = capacityOf(o.ch.spec.capacity, o.info, before);
  const allocatable = capacity && subtract(capacity, o.ch.spec.reserved);
  return {
    observedGeneration: generation,
    ...engine,
    ...(capacity ? { capacity: format(capacity) } : {}),
    ...(allocatable ? { allocatable: format(allocatable) } : {}),
    allocated: format(o.allocated),
    cpu: `${cores(o.allocated.milliCpu)}/${allocatable ? cores(allocatable.milliCpu) : '?'}`,
    memory: `${human(o.allocated.memoryBytes)}/${allocatable ? human(allocatable.memoryBytes) : '?'}`,
    containers: o.containers,
    ...heartbeat(o, before),
    conditions,
  };
}

function readyCondition(
  o: HostObservation,
  versionProblem: string | undefined,
): Omit<Condition, 'lastTransitionTime'> & { reason: ContainerHostReason } {
  if (!o.info) {
    const p = o.problem ?? { reason: 'Unreachable' as const, message: 'The engine has not answered yet.' };
    return { type: 'Ready', status: 'False', reason: p.reason, message: p.message };
  }
  if (versionProblem) return { type: 'Ready', status: 'False', reason: 'VersionUnsupported', message: versionProblem };
  return {
    type: 'Ready',
    status: 'True',
    reason: 'Connected',
    message: `${o.info.engine} ${o.info.version} answers at ${o.ch.spec.endpoint}.`,
  };
}

/** The last time the engine answered, written at most once per heartbeatMs. */
function heartbeat(o: HostObservation, before: ContainerHostStatus): Pick<ContainerHostStatus, 'lastHeartbeat'> {
  if (!o.info) return before.lastHeartbeat ? { lastHeartbeat: before.lastHeartbeat } : {};
  const answered = o.answeredAt ?? o.now;
  const last = before.lastHeartbeat ? Date.parse(before.lastHeartbeat) : 0;
  if (answered.getTime() - last < o.heartbeatMs) return { lastHeartbeat: before.lastHeartbeat! };
  return { lastHeartbeat: answered.toISOString().replace(/\.\d+Z$/, 'Z') };
}

function capacityOf(
  spec: ResourceAmounts | undefined,
  info: EngineInfo | undefined,
  before: ContainerHostStatus,
): Amounts | undefined {
  const engine = info
    ? { milliCpu: info.cpus * 1000, memoryBytes: info.memoryBytes }
    : before.capacity && {
        milliCpu: toMilliCpus(before.capacity.cpu),
        memoryBytes: toBytes(before.capacity.memory),
      };
  if (!engine) return undefined;
  return {
    milliCpu: spec?.cpu !== undefined ? toMilliCpus(spec.cpu) : engine.milliCpu,
    memoryBytes: spec?.memory !== undefined ? toBytes(spec.memory) : engine.memoryBytes,
  };
}

function subtract(capacity: Amounts, reserved: ResourceAmounts | undefined): Amounts {
  const cpu = reserved?.cpu !== undefined ? toMilliCpus(reserved.cpu) : 0;
  const memory = reserved?.memory !== undefined ? toBytes(reserved.memory) : 0;
  return { milliCpu: Math.max(0, capacity.milliCpu - cpu), memoryBytes: Math.max(0, capacity.memoryBytes - memory) };
}

/** As quantities: millicores and bytes, exact. */
function format(a: Amounts): { cpu: string; memory: string } {
  return { cpu: `${Math.round(a.milliCpu)}m`, memory: String(Math.round(a.memoryBytes)) };
}

/** CPUs for the printer column: "1.5", "4". */
function cores(milli: number): string {
  return String(Math.round(milli / 10) / 100);
}

/** Memory for the printer column: "512Mi", "7.7Gi". */
export function human(bytes: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Math.round(value * 10) / 10}${units[unit]}`;
}

function pick<T extends object, K extends keyof T>(obj: T, keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
