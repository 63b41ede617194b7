// ImageBuilder on the Docker Engine API (classic builder, /build) through dockerode. The context
// is sent from memory; aborting the signal closes the build stream, which makes the engine cancel
// the build and remove its intermediate container (rm and forcerm are on).
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { RegistryAuth } from './container-backend.ts';
import { dockerFromHost, isConnectionFailure, messageOf, statusOf } from './docker-backend.ts';
import { ImageBuildError, type BuildRequest, type ImageBuilder, type StreamMessage } from './image-builder.ts';

/** Docker's CFS period (100 ms); the quota is the share of it a build may use. */
const CPU_PERIOD_US = 100_000;

export class DockerImageBuilder implements ImageBuilder {
  private readonly docker: Docker;

  constructor(options: { host?: string } = {}) {
    this.docker = dockerFromHost(options.host);
  }

  async remoteDigest(image: string, auth: RegistryAuth): Promise<string | undefined> {
    try {
      const info = (await this.docker.getImage(image).distribution({ authconfig: auth })) as {
        Descriptor?: { digest?: string };
      };
      return info.Descriptor?.digest;
    } catch (err) {
      if (isConnectionFailure(err)) throw err;
      const message = messageOf(err);
      if (isUnauthorized(message)) throw new ImageBuildError('Unauthorized', message);
      // Docker answers a tag the registry lacks with 404 or with "manifest unknown".
      if (statusOf(err) === 404 || /manifest unknown|not found/i.test(message)) return undefined;
      throw new ImageBuildError('Failed', message);
    }
  }

  async build(request: BuildRequest, onMessage: (m: StreamMessage) => void, signal: AbortSignal): Promise<void> {
    const options = {
      t: request.tag,
      dockerfile: 'Dockerfile',
      buildargs: request.buildArgs,
      labels: request.labels,
      nocache: request.noCache,
      pull: request.pull,
      rm: true,
      forcerm: true,
      ...(request.target ? { target: request.target } : {}),
      ...(request.nanoCpus
        ? { cpuperiod: CPU_PERIOD_US, cpuquota: Math.round((request.nanoCpus / 1e9) * CPU_PERIOD_US) }
        : {}),
      ...(request.memoryBytes ? { memory: request.memoryBytes, memswap: request.memoryBytes } : {}),
      registryconfig: Object.fromEntries(
        request.registryAuths.map((a) => [a.serveraddress, { username: a.username, password: a.password }]),
      ),
      abortSignal: signal,
    };
    await this.follow(() => this.docker.buildImage(Readable.from([request.context]), options), onMessage, signal);
  }

  async push(
    image: string,
    auth: RegistryAuth,
    onMessage: (m: StreamMessage) => void,
    signal: AbortSignal,
  ): Promise<void> {
    await this.follow(
      () => this.docker.getImage(image).push({ authconfig: auth, abortSignal: signal }),
      onMessage,
      signal,
    );
  }

  async imageSize(image: string): Promise<number | undefined> {
    try {
      return (await this.docker.getImage(image).inspect()).Size;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async removeImages(labels: Record<string, string>): Promise<number> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const images = await this.docker.listImages({ all: true, filters: { label } });
    return this.removeEach(images.map((i) => i.Id));
  }

  async removeUntagged(ids: readonly string[]): Promise<number> {
    const untagged: string[] = [];
    // Newest first: a step's image is the parent of the next one's.
    for (const id of [...ids].reverse()) {
      try {
        const info = await this.docker.getImage(id).inspect();
        if ((info.RepoTags ?? []).length === 0) untagged.push(info.Id);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    }
    return this.removeEach(untagged);
  }

  /** Not forced: an image a container still runs, or another image builds on, stays (409). */
  private async removeEach(ids: readonly string[]): Promise<number> {
    let removed = 0;
    for (const id of ids) {
      try {
        await this.docker.getImage(id).remove({ force: false, noprune: false });
        removed++;
      } catch (err) {
        const status = statusOf(err);
        if (status !== 404 && status !== 409) throw err;
      }
    }
    return removed;
  }

  /** Opens a JSON-lines stream and hands each message on until it ends, fails or is aborted. */
  private async follow(
    open: () => Promise<NodeJS.ReadableStream>,
    onMessage: (m: StreamMessage) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await open();
    } catch (err) {
      if (signal.aborted) throw new ImageBuildError('Aborted', 'aborted');
      if (isConnectionFailure(err)) throw err;
      throw new ImageBuildError(isUnauthorized(messageOf(err)) ? 'Unauthorized' : 'Failed', messageOf(err));
    }
    const abort = (): void => void (stream as Readable).destroy();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()), onMessage);
      });
    } catch (err) {
      if (signal.aborted) throw new ImageBuildError('Aborted', 'aborted');
      throw err;
    } finally {
      signal.removeEventListener('abort', abort);
    }
    if (signal.aborted) throw new ImageBuildError('Aborted', 'aborted');
  }
}

export function isUnauthorized(message: string): boolean {
  return /no basic auth credentials|unauthorized|authentication required|access.*denied|incorrect username or password/i.test(
    message,
  );
}
