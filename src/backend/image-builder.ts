// Building and pushing images on one engine, apart from ContainerBackend: only the ImageBuild
// controller needs it, and nothing here knows about Kubernetes. Credentials go to the engine in
// its auth headers and nowhere else.
import type { RegistryAuth } from './container-backend.ts';

/** One message of Docker's build or push stream, as the engine sends it (JSON lines). */
export interface StreamMessage {
  stream?: string;
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string; Digest?: string; Size?: number; Tag?: string };
}

export interface BuildRequest {
  /** The build context as a tar archive, with the Dockerfile at `Dockerfile`. */
  context: Buffer;
  /** The local tag of the result (the image to push). */
  tag: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  nanoCpus?: number;
  memoryBytes?: number;
  /** Credentials for base images, by registry server. */
  registryAuths: RegistryAuth[];
}

/** Why the engine refused a build, a push or a registry question. */
export type BuildFailure = 'Unauthorized' | 'Aborted' | 'Failed';

export class ImageBuildError extends Error {
  readonly kind: BuildFailure;
  constructor(kind: BuildFailure, message: string) {
    super(message);
    this.name = 'ImageBuildError';
    this.kind = kind;
  }
}

export interface ImageBuilder {
  /**
   * The digest the registry has for `image` (repo:tag), or undefined when it has no such tag.
   * Throws ImageBuildError('Unauthorized') when the registry refuses the credentials.
   */
  remoteDigest(image: string, auth: RegistryAuth): Promise<string | undefined>;
  /** Builds; every stream message goes to onMessage. A stream error is the caller's to judge. */
  build(request: BuildRequest, onMessage: (m: StreamMessage) => void, signal: AbortSignal): Promise<void>;
  /** Pushes the local image; onMessage sees the stream, whose aux.Digest is the pushed digest. */
  push(image: string, auth: RegistryAuth, onMessage: (m: StreamMessage) => void, signal: AbortSignal): Promise<void>;
  /** Size in bytes of a local image, or undefined when it is gone. */
  imageSize(image: string): Promise<number | undefined>;
  /** Removes local images with the labels (and their untagged parents); images in use stay. */
  removeImages(labels: Record<string, string>): Promise<number>;
  /**
   * Removes those of the images that no name refers to and no other image builds on (the layers
   * of a failed build); a tagged image, such as a base image, is never touched.
   */
  removeUntagged(ids: readonly string[]): Promise<number>;
}
