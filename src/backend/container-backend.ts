// The container backend as the controllers see it. Nothing here knows about Kubernetes:
// owners are identified only by the labels the caller puts on containers and volumes.

/** A named volume mounted into a container. */
export interface Mount {
  volume: string;
  target: string;
  readOnly: boolean;
}

export type Protocol = 'tcp' | 'udp' | 'sctp';

/** A container port; with hostPort it is published on the host. */
export interface PortMapping {
  containerPort: number;
  protocol: Protocol;
  hostPort?: number;
  hostIP?: string;
}

export interface HealthConfig {
  /** Exec form; the backend runs it without a shell. */
  command: string[];
  intervalSeconds: number;
  timeoutSeconds: number;
  retries: number;
  startPeriodSeconds: number;
}

/** Limits the backend can change on a running container. Undefined means no limit. */
export interface Resources {
  nanoCpus?: number;
  memoryBytes?: number;
}

export type RestartPolicyName = 'no' | 'always' | 'on-failure' | 'unless-stopped';

export interface RestartPolicyConfig {
  name: RestartPolicyName;
  maximumRetryCount: number;
}

export interface LogConfig {
  type: string;
  config: Record<string, string>;
}

/** A path of the Docker host (bind) or a memory file system (tmpfs) mounted into the container. */
export interface HostMount {
  type: 'bind' | 'tmpfs';
  /** bind: the path on the Docker host. */
  source?: string;
  target: string;
  readOnly: boolean;
  /** tmpfs: its largest size; undefined leaves the kernel's default. */
  sizeBytes?: number;
}

/** A Docker network the container is attached to, with its DNS aliases. */
export interface NetworkEndpoint {
  name: string;
  aliases: string[];
}

export interface DeviceMappingConfig {
  pathOnHost: string;
  pathInContainer: string;
  cgroupPermissions: string;
}

/** Docker's DeviceRequest (docker run --gpus): count -1 is every device. */
export interface DeviceRequestConfig {
  driver: string;
  count: number;
  deviceIDs: string[];
  capabilities: string[][];
}

export interface UlimitConfig {
  name: string;
  soft: number;
  hard: number;
}

/** Options of a network the operator creates. */
export interface NetworkOptions {
  internal: boolean;
}

/** Everything needed to create one container. */
export interface ContainerConfig {
  name: string;
  image: string;
  /** Entrypoint override; undefined keeps the image's. */
  command?: string[];
  /** Arguments; undefined keeps the image's CMD. */
  args?: string[];
  env: Record<string, string>;
  labels: Record<string, string>;
  tty: boolean;
  openStdin: boolean;
  workingDir?: string;
  hostname?: string;
  mounts: Mount[];
  ports: PortMapping[];
  healthcheck?: HealthConfig;
  resources: Resources;
  restartPolicy: RestartPolicyConfig;
  stopSignal?: string;
  stopTimeoutSeconds?: number;
  log: LogConfig;
  // Issue 12: what real workloads need. Undefined leaves Docker's (or the backend's) default.
  /** HostConfig.NetworkMode; undefined: the backend's default. */
  networkMode?: string;
  /** The endpoint created with the container (Docker's API takes one at create); others are connected after. */
  endpoint?: NetworkEndpoint;
  dns?: string[];
  dnsSearch?: string[];
  /** host:ip lines for /etc/hosts. */
  extraHosts?: string[];
  user?: string;
  readOnlyRootfs?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  /** no-new-privileges, seccomp=unconfined. */
  securityOpt?: string[];
  init?: boolean;
  hostMounts?: HostMount[];
  shmSizeBytes?: number;
  devices?: DeviceMappingConfig[];
  deviceRequests?: DeviceRequestConfig[];
  sysctls?: Record<string, string>;
  ulimits?: UlimitConfig[];
  pidsLimit?: number;
  pidMode?: string;
  ipcMode?: string;
}

/** What can change in place on an existing container. */
export interface ContainerUpdate {
  resources?: Resources;
  restartPolicy?: RestartPolicyConfig;
  /** A new process limit. */
  pidsLimit?: number;
}

export type ContainerRunState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type Health = 'starting' | 'healthy' | 'unhealthy';

/** What the backend reports of one container. */
export interface ObservedContainer {
  id: string;
  /** Set by the reflector: the container was running when its engine went away and was stopped by that, not by itself. */
  stoppedByEngine?: boolean;
  name: string;
  image: string;
  imageId: string;
  /** Registry digest (repo@sha256:...) of the image, when it came from a registry. */
  imageDigest?: string;
  labels: Record<string, string>;
  state: ContainerRunState;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  restartCount?: number;
  health?: Health;
  /** How often the engine is to run the container's healthcheck (ms); only when it has one. */
  healthcheckIntervalMs?: number;
  /** The last healthcheck result Docker keeps (it keeps five), output as Docker has it. */
  lastProbe?: { exitCode: number; output: string; at: string };
  /** The kernel's OOM killer ended the last run. Docker keeps this across a restart by its policy. */
  oomKilled?: boolean;
  /** Exit code of the last run that ended, as the die event said (Docker zeroes exitCode on start). */
  lastExitCode?: number;
  resources?: Resources;
  restartPolicy?: RestartPolicyConfig;
  ports?: PortMapping[];
  /** HostConfig.NetworkMode as Docker reports it (default, bridge, none, host or a network name). */
  networkMode?: string;
  /** Attached networks by name, each with its aliases (without the short ID Docker adds). */
  networks?: Record<string, string[]>;
  /** The process limit; undefined when there is none. */
  pidsLimit?: number;
}

export interface ObservedVolume {
  name: string;
  labels: Record<string, string>;
}

export interface PullProgress {
  status: string;
  /** Bytes done and total over all layers seen so far, when the registry reports them. */
  current?: number;
  total?: number;
}

/** Registry credentials for one pull or check; never logged. */
export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/**
 * An engine event of a container or an image. Attributes include a container's labels. `action`
 * is the word before any colon ("health_status: healthy" is health_status, detail "healthy").
 */
export interface EngineEvent {
  type: 'container' | 'image' | 'volume' | 'network';
  action: string;
  detail?: string;
  id: string;
  attributes: Record<string, string>;
  /** When the engine logged it, in milliseconds since the epoch (fractional), by the engine's clock. */
  timeMs: number;
}

/** One row of a container listing: what the engine answers in one call for every container. */
export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerRunState;
}

/** The names an image is known by locally. */
export interface ImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
}

/** What an engine says about itself: which engine, which version, what the machine has. */
export interface EngineInfo {
  engine: 'Docker' | 'Podman';
  version: string;
  apiVersion: string;
  cpus: number;
  memoryBytes: number;
}

export interface ContainerBackend {
  /** Where the engine is, for messages (unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host). */
  readonly endpoint: string;
  /**
   * Answers when the backend is reachable. `fresh` opens a new connection instead of reusing one:
   * an engine that is shutting down has closed its listener but still answers on open connections.
   */
  ping(options?: { fresh?: boolean }): Promise<void>;
  /** The engine, its version and the machine's CPUs and memory (for a ContainerHost's status). */
  engineInfo(): Promise<EngineInfo>;
  /** Docker or Podman, asked once and kept: what differs between them is in engines.ts. */
  engineKind(): Promise<EngineInfo['engine']>;
  /** Containers carrying all of the given labels, running or not: one call, no details. */
  list(labels: Record<string, string>): Promise<ContainerSummary[]>;
  /**
   * One container in detail. `knownDigests` answers "which repo digests has this image ID" from
   * a cache (the reflector's image list), so that the digest costs no second call; undefined
   * when the cache does not know the image, and the backend asks the engine.
   */
  inspect(id: string, knownDigests?: KnownDigests): Promise<ObservedContainer | undefined>;
  /** Every local image with its tags and digests: one call. */
  images(): Promise<ImageSummary[]>;
  imagePresent(image: string): Promise<boolean>;
  /** Pulls the image; throws ImagePullError with a kind that says why it failed. */
  pull(image: string, onProgress: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void>;
  /**
   * The digest (sha256:...) the image's tag has in its registry now, asked through the engine
   * without pulling; throws ImagePullError with a kind that says why it could not be asked.
   */
  registryDigest(image: string, auth?: RegistryAuth): Promise<string>;
  /** Logs in to the registry without pulling; throws RegistryAuthError when it refuses or cannot be reached. */
  checkAuth(auth: RegistryAuth): Promise<void>;
  /** Creates the container (not started) and returns its ID. */
  create(config: ContainerConfig): Promise<string>;
  start(id: string): Promise<void>;
  /** Stops gracefully; without a timeout the container's own stop timeout applies. */
  stop(id: string, timeoutSeconds?: number): Promise<void>;
  restart(id: string, timeoutSeconds?: number): Promise<void>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
  /** Changes limits or restart policy in place. */
  update(id: string, update: ContainerUpdate): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  /** Removes the container; one already gone is not an error. Volumes are kept. */
  remove(id: string): Promise<void>;
  /** Volumes carrying all of the given labels. */
  listVolumes(labels: Record<string, string>): Promise<ObservedVolume[]>;
  /** Creates a named volume; one that exists already is kept as it is. */
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  /** Removes a named volume; one already gone is not an error. */
  removeVolume(name: string): Promise<void>;
  /** Creates a network; one of that name that exists already is kept as it is. */
  createNetwork(name: string, options: NetworkOptions, labels: Record<string, string>): Promise<void>;
  /**
   * Removes a network if it carries all of these labels and no container is attached; one that
   * is gone, not ours or still in use is left alone (not an error).
   */
  removeNetwork(name: string, labels: Record<string, string>): Promise<void>;
  /**
   * Runs the container's healthcheck once, now, and records the result as the engine's own
   * schedule would (its health, FailingStreak, log and health_status event). For engines that do
   * not run healthchecks themselves: see podman-healthchecks.ts. A container that is gone, not
   * running or without a healthcheck has nothing to run (not an error).
   */
  runHealthcheck(id: string): Promise<void>;
  /** Attaches the container to a network with these aliases. */
  connect(id: string, network: string, aliases: string[]): Promise<void>;
  /** Detaches the container from a network; one not attached is not an error. */
  disconnect(id: string, network: string): Promise<void>;
  /**
   * Streams container and image events; resolves when the stream ends or the signal aborts,
   * rejects when it fails. `connected` is called once the stream is open.
   */
  events(onEvent: (e: EngineEvent) => void, signal: AbortSignal, connected: () => void): Promise<void>;
}

/** The backend refused because the object is not there (404). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The backend refused because a name is already taken or the object is busy (409). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The backend refused the configuration itself (400): retrying the same request cannot help. */
export class InvalidConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidConfigError';
  }
}

export type PullFailure = 'Unauthorized' | 'NotFound' | 'InvalidReference' | 'Unreachable' | 'Failed';

export class ImagePullError extends Error {
  readonly kind: PullFailure;
  readonly image: string;
  constructor(kind: PullFailure, image: string, message: string) {
    super(message);
    this.name = 'ImagePullError';
    this.kind = kind;
    this.image = image;
  }
}

export type AuthFailure = 'Unauthorized' | 'Unreachable' | 'Failed';

export class RegistryAuthError extends Error {
  readonly kind: AuthFailure;
  constructor(kind: AuthFailure, message: string) {
    super(message);
    this.name = 'RegistryAuthError';
    this.kind = kind;
  }
}

/**
 * The engine cannot be reached, or is going away (it answers 500 to changes while it shuts down):
 * nothing can be done there until it answers again.
 */
export class EngineUnavailableError extends Error {
  readonly endpoint: string;
  constructor(endpoint: string, message: string) {
    super(message);
    this.name = 'EngineUnavailableError';
    this.endpoint = endpoint;
  }
}

/**
 * Docker knows the container as stopped but containerd still holds a task for it: what a start
 * racing a Docker shutdown leaves behind. Starting can never succeed; a new container can.
 */
export class StaleTaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleTaskError';
  }
}

export type KnownDigests = (imageId: string) => readonly string[] | undefined;
