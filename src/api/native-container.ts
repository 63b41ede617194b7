// TypeScript view of the NativeContainer resource. The CRD in crds/ is the source of truth;
// these types mirror it and src/api/validate.ts validates against the CRD itself.
import type { Condition } from './conditions.ts';
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

export interface Healthcheck {
  command: string[];
  intervalSeconds?: number;
  timeoutSeconds?: number;
  retries?: number;
  startPeriodSeconds?: number;
}

export interface Logging {
  driver?: 'local' | 'json-file';
  maxSize?: string;
  maxFiles?: number;
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
  resources?: { cpu?: string | number; memory?: string | number };
  volumes?: Volume[];
  ports?: Port[];
  restartPolicy?: RestartPolicy;
  maxRetries?: number;
  healthcheck?: Healthcheck;
  state?: DesiredState;
  stopTimeoutSeconds?: number;
  stopSignal?: string;
  logging?: Logging;
  restartRequest?: string;
  rebuildRequest?: string;
}

export interface PortStatus {
  containerPort: number;
  protocol: string;
  hostIP?: string;
  hostPort?: number;
}

export interface NativeContainerStatus {
  observedGeneration?: number;
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
  health?: string;
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
