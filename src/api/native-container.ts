// TypeScript view of the NativeContainer resource. The CRD in crds/ is the source of truth;
// these types mirror it and src/api/schema.ts validates against the CRD itself.
import type { Condition } from './conditions.ts';
import type { KubeObject } from './object.ts';

export type DesiredState = 'Running' | 'Stopped';

export interface EnvVar {
  name: string;
  value?: string;
}

export interface NativeContainerSpec {
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  state?: DesiredState;
}

export interface NativeContainerStatus {
  observedGeneration?: number;
  state?: string;
  containerID?: string;
  conditions?: Condition[];
}

export interface NativeContainer extends KubeObject {
  spec: NativeContainerSpec;
  status?: NativeContainerStatus;
}
