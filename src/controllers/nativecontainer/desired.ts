// Translation of a NativeContainer spec into the container the backend should run (pure).
import { createHash } from 'node:crypto';
import { defaultPullPolicy, normalizeImage } from '../../api/image-reference.ts';
import type {
  DesiredState,
  NativeContainer,
  NativeContainerSpec,
  OnUnhealthy,
  PullPolicy,
  RestartPolicy,
} from '../../api/native-container.ts';
import { namesAttachableNetwork } from '../../api/network-modes.ts';
import { parseQuantity, toBytes, toNanoCpus } from '../../api/quantity.ts';
import { onUnhealthyOf } from './health.ts';
import type { ExitPolicy } from './exit-restarts.ts';
import { targetImage } from './image-update.ts';
import type {
  ContainerConfig,
  HostMount,
  HealthConfig,
  LogConfig,
  PortMapping,
  Protocol,
  RestartPolicyConfig,
} from '../../backend/container-backend.ts';
import {
  containerName,
  DEFAULT_HOST,
  LABELS,
  nextContainerName,
  ownerLabels,
  type Owner,
  volumeLabels,
  volumeName,
} from './identity.ts';

export { normalizeImage } from '../../api/image-reference.ts';

export interface DesiredVolume {
  /** Docker volume name. */
  name: string;
  /** Name in the spec. */
  specName: string;
  autoDelete: boolean;
  labels: Record<string, string>;
}

export interface Desired {
  /** The container to create; config.name is its final name. */
  config: ContainerConfig;
  /** The name a rebuilt container has while the old one still exists. */
  nextName: string;
  /** Hash of every field that needs a new container when it changes; stored as a label. */
  hash: string;
  state: DesiredState;
  pullPolicy: PullPolicy;
  /** Grace period of a stop; undefined: the container's own (an orphan, whose spec is gone). */
  stopTimeoutSeconds?: number;
  /** What happens when the container exits by itself, and whether the operator or Docker restarts it. */
  exit: ExitPolicy;
  /** False on an engine that cannot change a container in place (engines.ts): such changes rebuild. */
  updatesInPlace?: boolean;
  volumes: DesiredVolume[];
  restartRequest?: string;
  rebuildRequest?: string;
  /**
   * The image by digest to run instead of spec.image (an applied update, a rollback); then
   * config.image is this reference, and a container on another digest is rebuilt.
   */
  target?: { image: string; cause: string };
  /** What to do when Docker marks the container unhealthy; undefined without a healthcheck. */
  onUnhealthy?: OnUnhealthy;
  /**
   * The networks the container is attached to, kept in place (connect, disconnect); undefined
   * leaves attachments to the network mode (the operator's default).
   */
  networks?: DesiredNetworks;
}

export interface DesiredNetwork {
  name: string;
  aliases: string[];
  /** The operator creates it when missing, labelled as its own. */
  create: boolean;
  internal: boolean;
}

export interface DesiredNetworks {
  /** Every network the container is on, the one it is created on included. */
  attachments: DesiredNetwork[];
  /** The network the container is created on (HostConfig.NetworkMode), when it is a network. */
  primary?: string;
}

const RESTART_POLICIES: Record<RestartPolicy, RestartPolicyConfig['name']> = {
  Always: 'always',
  OnFailure: 'on-failure',
  Never: 'no',
  UnlessStopped: 'unless-stopped',
};

/** Defaults of the CRD, for objects that did not pass the API server's defaulting (tests, old objects). */
type Defaulted = 'tty' | 'stdin' | 'restartPolicy' | 'state' | 'stopTimeoutSeconds';
type Spec = NativeContainerSpec & Required<Pick<NativeContainerSpec, Defaulted>>;

const SPEC_DEFAULTS: Required<Pick<NativeContainerSpec, Defaulted>> = {
  tty: false,
  stdin: false,
  restartPolicy: 'Always',
  state: 'Running',
  stopTimeoutSeconds: 10,
};

/**
 * The desired container on `host`. `env` holds the resolved values of every variable (valueFrom
 * included); without it only literal values are used, which is enough for deletion.
 */
export function desiredContainer(nc: NativeContainer, env?: Record<string, string>, host = DEFAULT_HOST): Desired {
  const { namespace = 'default', name, uid = '' } = nc.metadata;
  const spec: Spec = { ...SPEC_DEFAULTS, ...nc.spec };
  const literal = Object.fromEntries((spec.env ?? []).map((e) => [e.name, e.value ?? '']));
  const process = processOf(spec, sortedEnv(env ?? literal));
  const mounts = mountsOf(spec, namespace, name);
  const workload = workloadOf(spec);
  const hash = configHash({
    ...process,
    mounts,
    rebuildRequest: spec.rebuildRequest ?? null,
    limits: limitsOf(spec),
    ...workloadHash(workload),
  });
  const behaviour = behaviourOf(spec, nc);
  const { target } = behaviour;
  const config: ContainerConfig = {
    ...processConfig(process),
    ...(target ? { image: target.image } : {}),
    name: containerName(namespace, name),
    labels: labelsOf(spec, { uid, namespace, name, host }, hash),
    mounts,
    resources: resourcesOf(spec),
    restartPolicy: restartPolicyOf(spec),
    stopTimeoutSeconds: spec.stopTimeoutSeconds,
    ...workload.config,
  };
  return {
    config,
    nextName: nextContainerName(namespace, name),
    hash,
    state: spec.state,
    ...behaviour,
    stopTimeoutSeconds: spec.stopTimeoutSeconds,
    exit: exitPolicyOf(spec),
    volumes: (spec.volumes ?? []).map((v) => desiredVolume(namespace, name, v.name, v.autoDelete ?? true)),
    ...(spec.restartRequest !== undefined ? { restartRequest: spec.restartRequest } : {}),
    ...(spec.rebuildRequest !== undefined ? { rebuildRequest: spec.rebuildRequest } : {}),
    ...workloadNetworks(workload),
  };
}

/**
 * What the operator does besides the container's configuration: which digest runs (an update
 * or a rollback runs another digest of the same spec, not part of the hash, so moving between
 * digests is a rebuild of its own kind and the hash still names the spec), when to pull, and
 * what to do when the container is unhealthy.
 */
function behaviourOf(spec: Spec, nc: NativeContainer): Pick<Desired, 'target' | 'pullPolicy' | 'onUnhealthy'> {
  const target = targetImage(spec, nc.status);
  // A digest never changes: once present it need not be pulled again (Never stays Never).
  const pinned = target !== undefined && spec.imagePullPolicy !== 'Never';
  const onUnhealthy = onUnhealthyOf(spec);
  return {
    ...(target ? { target } : {}),
    pullPolicy: pinned ? 'IfNotPresent' : pullPolicyOf(spec),
    ...(onUnhealthy ? { onUnhealthy } : {}),
  };
}

/**
 * What deleting the containers of a resource that no longer exists needs (an orphan: its
 * finalizer was removed by hand while the operator was down). Volumes are judged by their labels
 * and containers stop with their own grace period.
 */
export function orphanDesired(namespace: string, name: string): Desired {
  const config: ContainerConfig = {
    name: containerName(namespace, name),
    image: '',
    env: {},
    labels: {},
    tty: false,
    openStdin: false,
    mounts: [],
    ports: [],
    resources: {},
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    log: { type: 'local', config: {} },
  };
  return {
    config,
    nextName: nextContainerName(namespace, name),
    hash: '',
    state: 'Stopped',
    pullPolicy: 'Never',
    exit: { policy: 'Never', maxRetries: 0, byOperator: false },
    volumes: [],
  };
}

/** The fields that need a new container when they change (besides mounts and requests). */
interface ProcessFields {
  image: string;
  command: string[] | null;
  args: string[] | null;
  env: Record<string, string>;
  tty: boolean;
  stdin: boolean;
  workingDir: string | null;
  hostname: string | null;
  labels: Record<string, string>;
  ports: PortMapping[];
  healthcheck: HealthConfig | null;
  log: LogConfig;
  stopSignal: string | null;
}

function processOf(spec: Spec, env: Record<string, string>): ProcessFields {
  return {
    image: spec.image === undefined ? '' : normalizeImage(spec.image),
    command: spec.command ?? null,
    args: spec.args ?? null,
    env,
    tty: spec.tty,
    stdin: spec.stdin,
    workingDir: spec.workingDir ?? null,
    hostname: spec.hostname ?? null,
    labels: spec.labels ?? {},
    ports: portsOf(spec),
    healthcheck: healthOf(spec) ?? null,
    log: logOf(spec),
    stopSignal: spec.stopSignal ?? null,
  };
}

function processConfig(
  p: ProcessFields,
): Omit<ContainerConfig, 'name' | 'labels' | 'mounts' | 'resources' | 'restartPolicy'> {
  return {
    image: p.image,
    ...(p.command ? { command: p.command } : {}),
    ...(p.args ? { args: p.args } : {}),
    env: p.env,
    tty: p.tty,
    openStdin: p.stdin,
    ...(p.workingDir ? { workingDir: p.workingDir } : {}),
    ...(p.hostname ? { hostname: p.hostname } : {}),
    ports: p.ports,
    ...(p.healthcheck ? { healthcheck: p.healthcheck } : {}),
    ...(p.stopSignal ? { stopSignal: p.stopSignal } : {}),
    log: p.log,
  };
}

/** Undefined image: imageFrom, for a deletion (gather sets the image the build pushed otherwise). */
function pullPolicyOf(spec: Spec): PullPolicy {
  return spec.imagePullPolicy ?? defaultPullPolicy(spec.image ?? '');
}

// Docker cannot lift a limit in place (0 means "unchanged" to docker update), so adding or
// removing one rebuilds; changing its value does not.
function limitsOf(spec: Spec): { cpu: boolean; memory: boolean } {
  return { cpu: spec.resources?.cpu !== undefined, memory: spec.resources?.memory !== undefined };
}

/** A container that may move to another host is restarted by the operator: see exit-restarts.ts. */
export function exitPolicyOf(spec: NativeContainerSpec): ExitPolicy {
  const policy = spec.restartPolicy ?? SPEC_DEFAULTS.restartPolicy;
  return {
    policy,
    maxRetries: policy === 'OnFailure' ? (spec.maxRetries ?? 0) : 0,
    byOperator: spec.placement?.rescheduleAfterSeconds !== undefined,
  };
}

/** Docker's restart policy: `no` when the operator restarts the container itself. */
function restartPolicyOf(spec: Spec): RestartPolicyConfig {
  const exit = exitPolicyOf(spec);
  if (exit.byOperator) return { name: 'no', maximumRetryCount: 0 };
  return { name: RESTART_POLICIES[exit.policy], maximumRetryCount: exit.maxRetries };
}

function desiredVolume(namespace: string, name: string, volume: string, autoDelete: boolean): DesiredVolume {
  return {
    name: volumeName(namespace, name, volume),
    specName: volume,
    autoDelete,
    labels: volumeLabels(namespace, name, volume, autoDelete),
  };
}

function mountsOf(spec: Spec, namespace: string, name: string): ContainerConfig['mounts'] {
  return (spec.volumes ?? []).map((v) => ({
    volume: volumeName(namespace, name, v.name),
    target: v.mountPath,
    readOnly: v.readOnly ?? false,
  }));
}

/** The user's labels, then ours: ours win, so a spec cannot forge another resource's identity. */
function labelsOf(spec: Spec, owner: Owner, hash: string): Record<string, string> {
  return {
    ...spec.labels,
    ...ownerLabels(owner),
    [LABELS.configHash]: hash,
    ...optional(LABELS.rebuildRequest, spec.rebuildRequest),
    ...optional(LABELS.description, spec.description),
  };
}

function optional(label: string, value: string | undefined): Record<string, string> {
  return value === undefined ? {} : { [label]: value };
}

// Validation guarantees quantities; a resource stored under an older schema must still be deletable.
function resourcesOf(spec: NativeContainerSpec): ContainerConfig['resources'] {
  const { cpu, memory } = spec.resources ?? {};
  return {
    ...(cpu !== undefined && parseQuantity(cpu) ? { nanoCpus: toNanoCpus(cpu) } : {}),
    ...(memory !== undefined && parseQuantity(memory) ? { memoryBytes: toBytes(memory) } : {}),
  };
}

// Env is a map by name (unique names are enforced), so its order must not force a recreate.
function sortedEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function portsOf(spec: NativeContainerSpec): PortMapping[] {
  return (spec.ports ?? []).map((p) => ({
    containerPort: p.containerPort,
    protocol: (p.protocol ?? 'TCP').toLowerCase() as Protocol,
    ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
    ...(p.hostIP !== undefined ? { hostIP: p.hostIP } : {}),
  }));
}

function healthOf(spec: NativeContainerSpec): HealthConfig | undefined {
  if (!spec.healthcheck) return undefined;
  const h = { intervalSeconds: 30, timeoutSeconds: 30, retries: 3, startPeriodSeconds: 0, ...spec.healthcheck };
  return {
    command: h.command,
    intervalSeconds: h.intervalSeconds,
    timeoutSeconds: h.timeoutSeconds,
    retries: h.retries,
    startPeriodSeconds: h.startPeriodSeconds,
  };
}

/** JD's default: one rotated local log of 10 MB. */
function logOf(spec: NativeContainerSpec): LogConfig {
  const l = { driver: 'local', maxSize: '10m', maxFiles: 1, ...spec.logging };
  const config: Record<string, string> = { 'max-size': l.maxSize, 'max-file': String(l.maxFiles) };
  // The local driver compresses rotated files and refuses to start with one file and compression.
  if (l.driver === 'local' && l.maxFiles === 1) config['compress'] = 'false';
  return { type: l.driver, config };
}

export function configHash(fields: unknown): string {
  return createHash('sha256').update(stableJson(fields)).digest('hex').slice(0, 16);
}

/** JSON with sorted object keys, so equal values hash equally. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Issue 12's fields: what the container gets, and what of it rebuilds (the hash) when it changes. */
interface Workload {
  config: Partial<ContainerConfig>;
  hashed: Record<string, unknown>;
  networks?: DesiredNetworks;
}

/** Only when set: a spec without any of issue 12's fields keeps the hash it had before them. */
function workloadHash(w: Workload): { workload?: Record<string, unknown> } {
  return Object.keys(w.hashed).length > 0 ? { workload: w.hashed } : {};
}

function workloadNetworks(w: Workload): { networks?: DesiredNetworks } {
  return w.networks ? { networks: w.networks } : {};
}

/** The entries whose value is set: undefined, false and empty lists or maps count as unset. */
function compact(entries: Record<string, unknown>): Record<string, unknown> {
  const set = (v: unknown): boolean =>
    v !== undefined &&
    v !== false &&
    !(Array.isArray(v) && v.length === 0) &&
    !(v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => set(v)));
}

/**
 * The container's networks, security, host mounts, devices and kernel limits. Only fields the
 * spec sets appear, with false and empty treated as unset, so an unchanged spec keeps its hash.
 * In place, not hashed: the attached networks (their aliases too) and pidsLimit's value (its
 * presence is hashed: without one the engine's default limit applies, Podman's 2048 or a Docker
 * daemon's default-pids-limit, which the operator leaves alone). Hashed: the
 * rest, and whether the container is created on one of spec.networks (without networkMode, the
 * first), because Docker cannot move a container between network modes.
 */
function workloadOf(spec: NativeContainerSpec): Workload {
  const networks = networksOf(spec);
  const config = compact({
    networkMode: networks.primary,
    endpoint: networks.endpoint,
    dns: spec.dns,
    dnsSearch: spec.dnsSearch,
    extraHosts: spec.extraHosts?.map((h) => `${h.hostname}:${h.ip}`),
    ...securityOf(spec),
    hostMounts: hostMountsOf(spec),
    shmSizeBytes: bytesOf(spec.shmSize),
    devices: spec.devices?.map((d) => ({
      pathOnHost: d.path,
      pathInContainer: d.containerPath ?? d.path,
      cgroupPermissions: d.permissions ?? 'rwm',
    })),
    deviceRequests: spec.gpus ? [deviceRequestOf(spec.gpus)] : undefined,
    sysctls: spec.sysctls,
    ulimits: [...(spec.ulimits ?? [])]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map((u) => ({ name: u.name, soft: u.soft, hard: u.hard })),
    pidsLimit: spec.pidsLimit,
    pidMode: spec.pidMode,
    ipcMode: spec.ipcMode,
  }) as Partial<ContainerConfig>;
  const hashed: Record<string, unknown> = { ...config };
  for (const inPlace of ['networkMode', 'endpoint', 'pidsLimit']) delete hashed[inPlace];
  if (spec.pidsLimit !== undefined) hashed['pidsLimited'] = true;
  if (spec.networkMode !== undefined) hashed['networkMode'] = spec.networkMode;
  else if (networks.desired) hashed['onNetworks'] = true;
  return { config, hashed, ...(networks.desired ? { networks: networks.desired } : {}) };
}

function bytesOf(q: string | number | undefined): number | undefined {
  return q !== undefined && parseQuantity(q) ? toBytes(q) : undefined;
}

function networksOf(spec: NativeContainerSpec): {
  primary?: string;
  endpoint?: { name: string; aliases: string[] };
  desired?: DesiredNetworks;
} {
  const listed: DesiredNetwork[] = (spec.networks ?? []).map((n) => ({
    name: n.name,
    aliases: [...(n.aliases ?? [])].sort(),
    create: n.create ?? false,
    internal: n.internal ?? false,
  }));
  const primary = spec.networkMode ?? listed[0]?.name;
  if (primary === undefined) return {};
  if (!namesAttachableNetwork(primary)) return { primary };
  const attachments = listed.some((n) => n.name === primary)
    ? listed
    : [{ name: primary, aliases: [], create: false, internal: false }, ...listed];
  const first = attachments.find((n) => n.name === primary)!;
  // Docker's default bridge takes no aliases; a user-defined network gets its endpoint at create.
  const endpoint = primary === 'bridge' ? undefined : { name: primary, aliases: first.aliases };
  return { primary, ...(endpoint ? { endpoint } : {}), desired: { attachments, primary } };
}

function securityOf(spec: NativeContainerSpec): Record<string, unknown> {
  const sc = spec.securityContext ?? {};
  const sorted = (caps: string[] | undefined): string[] => [...new Set(caps ?? [])].sort();
  return {
    user: sc.user || undefined,
    readOnlyRootfs: sc.readOnlyRootFilesystem,
    capAdd: sorted(sc.capabilities?.add),
    capDrop: sorted(sc.capabilities?.drop),
    privileged: sc.privileged,
    securityOpt: [
      ...(sc.noNewPrivileges ? ['no-new-privileges'] : []),
      ...(sc.seccompProfile?.type === 'Unconfined' ? ['seccomp=unconfined'] : []),
    ],
    init: sc.init,
  };
}

function hostMountsOf(spec: NativeContainerSpec): HostMount[] {
  return [
    ...(spec.hostPaths ?? []).map((h): HostMount => ({
      type: 'bind',
      source: h.path,
      target: h.mountPath,
      readOnly: h.readOnly ?? false,
    })),
    ...(spec.tmpfs ?? []).map((t): HostMount => ({
      type: 'tmpfs',
      target: t.mountPath,
      readOnly: false,
      ...(t.size !== undefined && parseQuantity(t.size) ? { sizeBytes: toBytes(t.size) } : {}),
    })),
  ];
}

/** spec.gpus as Docker's DeviceRequest, the way docker run --gpus builds it: count -1 is all. */
export function deviceRequestOf(
  gpus: NonNullable<NativeContainerSpec['gpus']>,
): NonNullable<ContainerConfig['deviceRequests']>[number] {
  const count = gpus.deviceIDs?.length ? 0 : gpus.count === 'all' ? -1 : Number(gpus.count ?? 0);
  const capabilities = ['gpu', ...(gpus.capabilities ?? []).filter((c) => c !== 'gpu')];
  return {
    driver: gpus.driver ?? '',
    count,
    deviceIDs: gpus.deviceIDs ?? [],
    capabilities: [[...new Set(capabilities)]],
  };
}
