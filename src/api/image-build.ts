// TypeScript view of the ImageBuild resource (crds/imagebuilds.nativecontainer.io.yaml, the source
// of truth). Status never holds a credential.
import type { Condition } from './conditions.ts';
import type { KeyRef } from './native-container.ts';
import type { KubeObject } from './object.ts';

export interface ContextFile {
  path: string;
  mode?: number;
  configMapKeyRef?: Omit<KeyRef, 'optional'>;
  secretKeyRef?: Omit<KeyRef, 'optional'>;
}

export interface ImageBuildSpec {
  dockerfile?: string;
  dockerfileFrom?: { name: string; key: string };
  context?: ContextFile[];
  buildArgs?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  image: string;
  secretRef: { name: string };
  registryAuths?: { name: string }[];
  labels?: Record<string, string>;
  description?: string;
  overwriteTag?: boolean;
  resources?: { cpu?: string | number; memory?: string | number };
  timeoutSeconds?: number;
  buildRequest?: string;
}

export type BuildPhase = 'Pending' | 'Building' | 'Pushing' | 'Succeeded' | 'Failed';

export interface BuildProgress {
  step: number;
  steps: number;
  instruction: string;
}

export interface BuildRecord {
  generation: number;
  result: 'Succeeded' | 'Failed';
  reason: string;
  digest?: string;
  durationSeconds: number;
  completedAt: string;
}

export interface ImageBuildStatus {
  observedGeneration?: number;
  phase?: BuildPhase;
  progress?: BuildProgress;
  output?: string[];
  /** The last image pushed, repo@sha256:...; kept when a later build fails. */
  image?: string;
  imageDigest?: string;
  shortDigest?: string;
  imageSize?: number;
  /** The versions of what the last build read, hashed: a failed build runs again when it changes. */
  inputsVersion?: string;
  startedAt?: string;
  completedAt?: string;
  history?: BuildRecord[];
  conditions?: Condition[];
}

export interface ImageBuild extends KubeObject {
  spec: ImageBuildSpec;
  status?: ImageBuildStatus;
}
