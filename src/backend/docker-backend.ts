// ContainerBackend on the Docker Engine API through dockerode.
import Docker from 'dockerode';
import { streamContainerEvents } from './docker-events.ts';
import {
  ConflictError,
  NotFoundError,
  StaleTaskError,
  type ContainerBackend,
  type ContainerConfig,
  type ContainerEvent,
  type ContainerRunState,
  type ObservedContainer,
  type PullProgress,
} from './container-backend.ts';
import { dockerOptions } from './docker-host.ts';
import { viaSshAgent } from './ssh-dial.ts';

export interface DockerBackendOptions {
  /** unix:///path/docker.sock, tcp://host:port or ssh://user@host; undefined: /var/run/docker.sock. */
  host?: string;
  /** HostConfig.NetworkMode for new containers; undefined leaves Docker's default (bridge). */
  networkMode?: string;
}

interface DockerError {
  statusCode?: number;
  message?: string;
  json?: { message?: string };
}

/** A client for a DOCKER_HOST value: unix, tcp (with TLS from DOCKER_TLS_VERIFY) or ssh; see docker-host.ts. */
export function dockerFromHost(host: string | undefined): Docker {
  const options = dockerOptions(host);
  return new Docker(options.protocol === 'ssh' ? viaSshAgent(options) : options);
}

export class DockerBackend implements ContainerBackend {
  private readonly docker: Docker;
  private readonly networkMode: string | undefined;

  constructor(options: DockerBackendOptions = {}) {
    this.docker = dockerFromHost(options.host);
    this.networkMode = options.networkMode;
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async list(labels: Record<string, string>): Promise<ObservedContainer[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const found = await this.docker.listContainers({ all: true, filters: { label } });
    const inspected = await Promise.all(found.map((c) => this.inspect(c.Id)));
    return inspected.filter((c): c is ObservedContainer => c !== undefined);
  }

  async inspect(id: string): Promise<ObservedContainer | undefined> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const state = info.State;
      return {
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        image: info.Config.Image,
        imageId: info.Image,
        labels: info.Config.Labels ?? {},
        state: state.Status as ContainerRunState,
        exitCode: state.ExitCode,
        ...(isSet(state.StartedAt) ? { startedAt: state.StartedAt } : {}),
        ...(isSet(state.FinishedAt) ? { finishedAt: state.FinishedAt } : {}),
        ...(state.Error ? { error: state.Error } : {}),
      };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw translate(err);
    }
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw translate(err);
    }
  }

  async pull(image: string, onProgress: (p: PullProgress) => void): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.pull(image);
    } catch (err) {
      throw translate(err);
    }
    const layers = new Map<string, { current: number; total: number }>();
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(translate(err)) : resolve()),
        (event: {
          id?: string;
          status?: string;
          error?: string;
          progressDetail?: { current?: number; total?: number };
        }) => {
          if (event.error) return;
          const detail = event.progressDetail;
          if (event.id && detail?.total) layers.set(event.id, { current: detail.current ?? 0, total: detail.total });
          const sum = [...layers.values()].reduce(
            (a, l) => ({ current: a.current + l.current, total: a.total + l.total }),
            {
              current: 0,
              total: 0,
            },
          );
          onProgress({ status: event.status ?? '', ...(sum.total ? sum : {}) });
        },
      );
    });
  }

  async create(config: ContainerConfig): Promise<string> {
    try {
      const container = await this.docker.createContainer({
        name: config.name,
        Image: config.image,
        ...(config.command ? { Entrypoint: config.command } : {}),
        ...(config.args ? { Cmd: config.args } : {}),
        Env: Object.entries(config.env).map(([k, v]) => `${k}=${v}`),
        Labels: config.labels,
        ...(this.networkMode ? { HostConfig: { NetworkMode: this.networkMode } } : {}),
      });
      return container.id;
    } catch (err) {
      throw translate(err);
    }
  }

  async start(id: string): Promise<void> {
    await this.ignoring(304, () => this.docker.getContainer(id).start());
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    await this.ignoring(304, () => this.docker.getContainer(id).stop({ t: timeoutSeconds }));
  }

  async remove(id: string): Promise<void> {
    await this.ignoring(404, () => this.docker.getContainer(id).remove({ force: true, v: false }));
  }

  async events(
    labels: Record<string, string>,
    onEvent: (e: ContainerEvent) => void,
    signal: AbortSignal,
    connected: () => void,
  ): Promise<void> {
    await streamContainerEvents(this.docker, labels, onEvent, signal, connected);
  }

  /** Runs op; a given status ("already started", "already gone") counts as success. */
  private async ignoring(status: number, op: () => Promise<unknown>): Promise<void> {
    try {
      await op();
    } catch (err) {
      if (statusOf(err) !== status) throw translate(err);
    }
  }
}

function isSet(time: string | undefined): time is string {
  return !!time && !time.startsWith('0001-01-01');
}

function statusOf(err: unknown): number | undefined {
  return (err as DockerError | undefined)?.statusCode;
}

// What containerd says when a task or its state directory outlived the container's last run.
const STALE_TASK = /task [0-9a-f]{64}: already exists|failed to start shim: mkdir \S+\/[0-9a-f]{64}: file exists/;

function translate(err: unknown): Error {
  const e = err as DockerError;
  const message = e.json?.message ?? e.message ?? String(err);
  if (e.statusCode === 404) return new NotFoundError(message);
  if (e.statusCode === 409) return new ConflictError(message);
  if (STALE_TASK.test(message)) return new StaleTaskError(message);
  return err instanceof Error ? err : new Error(message);
}
