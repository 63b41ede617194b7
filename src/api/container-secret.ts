// TypeScript view of the ContainerSecret resource (crds/containersecrets.nativecontainer.io.yaml).
// There is deliberately no password field: credentials live in Kubernetes Secrets.
import type { Condition } from './conditions.ts';
import type { KubeObject } from './object.ts';

export interface ContainerSecretSpec {
  server: string;
  username?: string;
  passwordSecretRef?: { name: string; key?: string };
  dockerConfigSecretRef?: { name: string };
}

export interface ContainerSecretStatus {
  observedGeneration?: number;
  lastVerifiedTime?: string;
  conditions?: Condition[];
}

export interface ContainerSecret extends KubeObject {
  spec: ContainerSecretSpec;
  status?: ContainerSecretStatus;
}
