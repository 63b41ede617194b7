// TypeScript view of the NativeContainer resource. The CRD in crds/ is the source of truth;
// these types mirror it and src/api/validate.ts validates against the CRD itself.
import type { Condition } from './conditions.ts';
import type { LabelSelector } from './label-selector.ts';
import type { KubeObject } from './object.ts';

export type DesiredState = 'Running' | 'Stopped' | 'Paused';
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never' | 'UnlessStopped';
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef };
}

export interface Volume {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  autoDelete?: boolean;
}

export interface Port {
  containerPort: number;
  protocol?: PortProtocol;
  hostPort?: number;
  hostIP?: string;
}

/** What the operator does when Docker marks the container unhealthy. */
export type OnUnhealthy = 'None' | 'Restart' | 'Stop';

export interface Healthcheck {
  command: string[];
  intervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  startPeriodSeconds?: number;
  onUnhealthy?: OnUnhealthy;
}

export type ImageUpdatePolicy = 'Never' | 'Notify' | 'Apply';

export interface ImageUpdate {
  policy?: ImageUpdatePolicy;
  intervalSeconds?: number;
  healthDeadlineSeconds?: number;
}

export interface Logging {
  driver?: 'local' | 'json-file';
  maxSize?: string;
  maxFiles?: number;
}

/** A Docker network the container is attached to (in place: docker network connect/disconnect). */
export interface NetworkAttachment {
  name: string;
  aliases?: string[];
  /** The operator creates the network when it does not exist, labelled as its own. */
  create?: boolean;
  /** With create: the network has no route outside (docker network create --internal). */
  internal?: boolean;
}

export interface ExtraHost {
  hostname: string;
  ip: string;
}

export type SeccompProfileType = 'RuntimeDefault' | 'Unconfined';

export interface SecurityContext {
  /** uid or uid:gid. */
  user?: string;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  noNewPrivileges?: boolean;
  seccompProfile?: { type: SeccompProfileType };
  /** Run an init process (docker run --init) as PID 1. */
  init?: boolean;
}

/** A path of the Docker host mounted into the container (a bind mount). */
export interface HostPathMount {
  path: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface TmpfsMount {
  mountPath: string;
  size?: string | number;
}

/** A device of the Docker host made available in the container. */
export interface DeviceMapping {
  path: string;
  containerPath?: string;
  /** cgroup permissions: any of r, w, m. */
  permissions?: string;
}

/** GPUs through Docker's device requests (docker run --gpus). */
export interface GpuRequest {
  /** A number of GPUs, or 'all'. Exactly one of count and deviceIDs. */
  count?: number | string;
  deviceIDs?: string[];
  capabilities?: string[];
  driver?: string;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** Where the container runs: decided once and written to status.host. */
export interface Placement {
  hostName?: string;
  hostSelector?: LabelSelector;
  spreadBy?: string;
  rescheduleAfterSeconds?: number;
}

export interface NativeContainerSpec {
  /** Exactly one of image and imageFrom is set (a CEL rule of the CRD). */
  image?: string;
  imageFrom?: { imageBuild: string };
  imagePullPolicy?: PullPolicy;
  secretRef?: { name: string };
  command?: string[];
  args?: string[];
  tty?: boolean;
  stdin?: boolean;
  workingDir?: string;
  env?: EnvVar[];
  hostname?: string;
  labels?: Record<string, string>;
  description?: string;
  resources?: {
    cpu?: string | number;
    memory?: string | number;
    /** What placement counts against a host's capacity; the limits above stand in when absent. */
    requests?: { cpu?: string | number; memory?: string | number };
  };
  placement?: Placement;
  volumes?: Volume[];
  ports?: Port[];
  restartPolicy?: RestartPolicy;
  maxRetries?: number;
  healthcheck?: Healthcheck;
  imageUpdate?: ImageUpdate;
  state?: DesiredState;
  stopTimeoutSeconds?: number;
  stopSignal?: string;
  logging?: Logging;
  restartRequest?: string;
  rebuildRequest?: string;
  // What real workloads need (issue 12); each one a NativeContainerPolicy may have to allow.
  networkMode?: string;
  networks?: NetworkAttachment[];
  dns?: string[];
  dnsSearch?: string[];
  extraHosts?: ExtraHost[];
  securityContext?: SecurityContext;
  hostPaths?: HostPathMount[];
  tmpfs?: TmpfsMount[];
  shmSize?: string | number;
  devices?: DeviceMapping[];
  gpus?: GpuRequest;
  sysctls?: Record<string, string>;
  ulimits?: Ulimit[];
  pidsLimit?: number;
  pidMode?: 'host';
  ipcMode?: 'private' | 'shareable' | 'host';
}

export interface PortStatus {
  containerPort: number;
  protocol: string;
  hostIP?: string;
  hostPort?: number;
}

export type RestartReason = 'Unhealthy' | 'Exited' | 'OOMKilled';

/** The last restart of the container, by Docker's restart policy or by the operator. */
export interface LastRestart {
  reason: RestartReason;
  at: string;
  exitCode?: number;
  /** The failed probe's output (Unhealthy), truncated. */
  message?: string;
}

/** The last result of the container's healthcheck, as Docker keeps it. */
export interface LastProbe {
  exitCode: number;
  output: string;
  at: string;
}

/** Why a digest ran: the first container, a changed image, an applied update, a rollback. */
export type ImageChange = 'Created' | 'ImageChanged' | 'UpdateApplied' | 'RolledBack' | 'Rebuilt';

export interface ImageHistoryEntry {
  /** repo@sha256:... */
  image: string;
  at: string;
  reason: ImageChange;
  /** spec.image when it ran. */
  specImage?: string;
}

/** An update the operator watches: the new container must be healthy (or keep running) by the deadline. */
export interface PendingUpdate {
  image: string;
  previous: string;
  since: string;
}

/** A rollback in force: `to` runs instead of `from` until the tag moves, spec.image changes or a rebuild is requested. */
export interface Rollback {
  from: string;
  to: string;
  at: string;
  message: string;
  specImage: string;
  rebuildRequest?: string;
}

export interface NativeContainerStatus {
  observedGeneration?: number;
  /** The ContainerHost the container is bound to. */
  host?: string;
  /** How often it was placed; its containers carry it in a label. */
  placementGeneration?: number;
  state?: string;
  containerID?: string;
  /** The first 12 characters of containerID, as docker ps shows it. */
  containerShortID?: string;
  imageID?: string;
  imageDigest?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  restartCount?: number;
  /** Restarts of this container counted before Docker last reset its own count (a start by the API resets it). */
  restartBase?: { containerID: string; count: number };
  lastRestart?: LastRestart;
  /** Consecutive restarts for failed healthchecks, for the back-off; reset after 10 minutes without one. */
  unhealthyRestarts?: { count: number; at: string };
  /** The operator's restarts of a container that exited (it restarts containers that may move): back-off and retries. */
  exitRestarts?: { containerID: string; count: number; delayMs: number; at: string };
  /** The container the operator stopped because it was unhealthy (onUnhealthy: Stop). */
  stoppedUnhealthy?: string;
  /** The container Docker refused to start, and why: not started again until the spec changes or a restartRequest. */
  startRefused?: { containerID: string; message: string };
  health?: string;
  lastProbe?: LastProbe;
  /** The tag's digest in its registry, checked without pulling (spec.imageUpdate). */
  latestDigest?: string;
  lastUpdateCheck?: string;
  imageHistory?: ImageHistoryEntry[];
  pendingUpdate?: PendingUpdate;
  rollback?: Rollback;
  ports?: PortStatus[];
  restartRequest?: string;
  /** True while the container is stopped because spec.state said Stopped (not because it exited). */
  stoppedOnRequest?: boolean;
  conditions?: Condition[];
}

export interface NativeContainer extends KubeObject {
  spec: NativeContainerSpec;
  status?: NativeContainerStatus;
}
