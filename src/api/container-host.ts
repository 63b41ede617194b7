// TypeScript view of the ContainerHost resource (crds/containerhosts.nativecontainer.io.yaml): one
// Docker or Podman engine that NativeContainers are placed on. Cluster-scoped.
import type { Condition } from './conditions.ts';
import type { KubeObject } from './object.ts';

export interface ResourceAmounts {
  cpu?: string | number;
  memory?: string | number;
}

export interface ContainerHostSpec {
  /** unix:///path, tcp://host:port or ssh://user@host[:port]. */
  endpoint: string;
  secretRef?: { name: string; namespace?: string };
  unschedulable?: boolean;
  capacity?: ResourceAmounts;
  reserved?: ResourceAmounts;
}

export type EngineKind = 'Docker' | 'Podman';

export interface ContainerHostStatus {
  observedGeneration?: number;
  engine?: EngineKind;
  version?: string;
  apiVersion?: string;
  capacity?: { cpu: string; memory: string };
  allocatable?: { cpu: string; memory: string };
  allocated?: { cpu: string; memory: string };
  /** "allocated/allocatable" for the printer columns. */
  cpu?: string;
  memory?: string;
  containers?: number;
  lastHeartbeat?: string;
  conditions?: Condition[];
}

export interface ContainerHost extends KubeObject {
  spec: ContainerHostSpec;
  status?: ContainerHostStatus;
}

/** Reasons of a ContainerHost's Ready condition. */
export type ContainerHostReason =
  | 'Connected'
  | 'Connecting'
  | 'Unreachable'
  | 'Untrusted'
  | 'VersionUnsupported'
  | 'SecretNotFound'
  | 'InvalidEndpoint'
  | 'NameReserved';

/** The annotation that drains a (cordoned) host: its reschedulable containers move one at a time. */
export const DRAIN_ANNOTATION = 'nativecontainer.io/drain';
