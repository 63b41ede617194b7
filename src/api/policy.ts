// TypeScript view of the NativeContainerPolicy resource (crds/nativecontainerpolicies...yaml is
// the source of truth): what NativeContainers in the namespaces it selects may use beyond the
// built-in default, which allows none of it.
import type { Condition } from './conditions.ts';
import type { LabelSelector } from './label-selector.ts';
import type { KubeObject } from './object.ts';

export type HostNamespace = 'Network' | 'PID' | 'IPC';

export interface PathPrefix {
  pathPrefix: string;
  /** Host paths: true (the default) allows read-only mounts only. */
  readOnly?: boolean;
}

export interface NativeContainerPolicySpec {
  namespaceSelector: LabelSelector;
  hostPaths?: PathPrefix[];
  devices?: { pathPrefix: string }[];
  gpus?: boolean;
  capabilities?: string[];
  privileged?: boolean;
  hostNamespaces?: HostNamespace[];
  unconfinedSeccomp?: boolean;
  /** Network names; a trailing * matches any name with that prefix. */
  networks?: string[];
}

export interface NativeContainerPolicy extends KubeObject {
  spec: NativeContainerPolicySpec;
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

export interface Namespace extends KubeObject {
  kind?: 'Namespace';
}
