// The container backend as the controllers see it. Nothing here knows about Kubernetes:
// owners are identified only by the labels the caller puts on a container.

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
}

export type ContainerRunState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** What the backend reports of one container. */
export interface ObservedContainer {
  id: string;
  name: string;
  image: string;
  imageId: string;
  labels: Record<string, string>;
  state: ContainerRunState;
  exitCode?: number;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

export interface PullProgress {
  status: string;
  /** Bytes done and total over all layers seen so far, when the registry reports them. */
  current?: number;
  total?: number;
}

/** A container event; attributes include the container's labels. */
export interface ContainerEvent {
  action: string;
  id: string;
  attributes: Record<string, string>;
}

export interface ContainerBackend {
  /** Answers when the backend is reachable. */
  ping(): Promise<void>;
  /** Containers carrying all of the given labels, running or not. */
  list(labels: Record<string, string>): Promise<ObservedContainer[]>;
  inspect(id: string): Promise<ObservedContainer | undefined>;
  imagePresent(image: string): Promise<boolean>;
  pull(image: string, onProgress: (p: PullProgress) => void): Promise<void>;
  /** Creates the container (not started) and returns its ID. */
  create(config: ContainerConfig): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds: number): Promise<void>;
  /** Removes the container; one already gone is not an error. */
  remove(id: string): Promise<void>;
  /**
   * Streams events of containers carrying all the labels; resolves when the stream ends or the
   * signal aborts, rejects when it fails. `connected` is called once the stream is open.
   */
  events(
    labels: Record<string, string>,
    onEvent: (e: ContainerEvent) => void,
    signal: AbortSignal,
    connected: () => void,
  ): Promise<void>;
}

/** The backend refused because the object is not there (404). */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The backend refused because a name is already taken (409). */
export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
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
