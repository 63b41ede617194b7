// ContainerAccess on the Docker Engine API through dockerode: the engine's own logs, exec, attach,
// stats, top, archive and commit endpoints, with their streams handed on as they come.
import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type {
  Archive,
  CommitOptions,
  ContainerAccess,
  LogOptions,
  ProcessList,
  Session,
  SessionOptions,
} from './container-access.ts';
import { dockerFromHost, endpointOf, engineError } from './docker-backend.ts';
import { demultiplex, outputsOf } from './docker-frames.ts';

export class DockerAccess implements ContainerAccess {
  private readonly docker: Docker;
  private readonly endpoint: string;

  constructor(options: { host?: string } = {}) {
    this.docker = dockerFromHost(options.host);
    this.endpoint = endpointOf(options.host);
  }

  async hasTty(id: string): Promise<boolean> {
    const info = await this.call(() => this.docker.getContainer(id).inspect());
    return info.Config.Tty;
  }

  async logs(id: string, o: LogOptions): Promise<Readable> {
    const tty = await this.hasTty(id);
    const source = await this.dial(`/containers/${id}/logs?`, 'GET', {
      follow: o.follow,
      stdout: true,
      stderr: true,
      timestamps: o.timestamps,
      ...(o.tail !== undefined ? { tail: o.tail } : {}),
      ...(o.since !== undefined ? { since: o.since.toFixed(9) } : {}),
    });
    if (tty) return source;
    const out = new PassThrough();
    demultiplex(source, out, out);
    out.once('close', () => source.destroy());
    return out;
  }

  async exec(id: string, command: string[], o: SessionOptions): Promise<Session> {
    const exec = await this.call(() =>
      this.docker.getContainer(id).exec({
        Cmd: command,
        AttachStdin: o.stdin,
        AttachStdout: o.stdout,
        AttachStderr: o.stderr,
        Tty: o.tty,
      }),
    );
    const stream = await this.call<Duplex>(() => exec.start({ hijack: true, stdin: o.stdin, Tty: o.tty }));
    return session(stream, o, {
      resize: (w, h) => exec.resize({ w, h }),
      exitCode: async () => (await exec.inspect()).ExitCode ?? undefined,
    });
  }

  async attach(id: string, o: SessionOptions): Promise<Session> {
    const container = this.docker.getContainer(id);
    // The container's own TTY decides how its output comes, whatever the client asked.
    const tty = await this.hasTty(id);
    const stream = (await this.call(() =>
      container.attach({ stream: true, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, hijack: true }),
    )) as Duplex;
    return session(
      stream,
      { ...o, tty },
      {
        resize: (w, h) => container.resize({ w, h }),
        exitCode: async () => {
          const state = (await container.inspect()).State;
          return state.Running ? undefined : state.ExitCode;
        },
      },
    );
  }

  async stats(id: string, stream: boolean): Promise<Readable> {
    return this.dial(`/containers/${id}/stats?`, 'GET', { stream });
  }

  async top(id: string, psArgs?: string): Promise<ProcessList> {
    const res = (await this.call(() => this.docker.getContainer(id).top(psArgs ? { ps_args: psArgs } : {}))) as {
      Titles?: string[];
      Processes?: string[][];
    };
    return { titles: res.Titles ?? [], processes: res.Processes ?? [] };
  }

  async getArchive(id: string, path: string): Promise<Archive> {
    return { tar: await this.dial(`/containers/${id}/archive?`, 'GET', { path }) };
  }

  async putArchive(id: string, path: string, tar: Readable): Promise<void> {
    await this.call(() => this.docker.getContainer(id).putArchive(tar, { path }));
  }

  async commit(id: string, o: CommitOptions): Promise<string> {
    const res = (await this.call(() =>
      this.docker.getContainer(id).commit({
        repo: o.repository,
        tag: o.tag,
        ...(o.message ? { comment: o.message } : {}),
        ...(o.author ? { author: o.author } : {}),
        pause: true,
      }),
    )) as { Id: string };
    return res.Id;
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw engineError(this.endpoint, err);
    }
  }

  /** A streaming GET through docker-modem (dockerode buffers logs without follow). */
  private dial(path: string, method: string, options: Record<string, unknown>): Promise<Readable> {
    return new Promise((resolve, reject) => {
      this.docker.modem.dial(
        {
          path,
          method,
          options,
          isStream: true,
          statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
        },
        (err: unknown, stream: unknown) =>
          err ? reject(engineError(this.endpoint, err)) : resolve(stream as Readable),
      );
    });
  }
}

function session(
  stream: Duplex,
  o: SessionOptions,
  ops: { resize: (w: number, h: number) => Promise<unknown>; exitCode: () => Promise<number | undefined> },
): Session {
  const { stdout, stderr } = outputsOf(stream, o.tty);
  const ended = new Promise<void>((resolve) => {
    stdout.once('end', resolve);
    stdout.once('close', resolve);
  });
  return {
    stdout,
    stderr,
    stdin: o.stdin ? stream : undefined,
    resize: latestResize(ops.resize),
    done: ended.then(() => ops.exitCode().catch(() => undefined)),
    close: () => stream.destroy(),
  };
}

/**
 * Resizes sent one at a time, the newest size winning: Docker applies concurrent calls in the
 * order they arrive, so an earlier size could land after a later one. A size asked for while a
 * call is in flight waits for it, and replaces any size still waiting. A refused resize is
 * ignored (the session goes on at the old size); the promise resolves once no size is waiting.
 */
export function latestResize(
  resize: (w: number, h: number) => Promise<unknown>,
): (w: number, h: number) => Promise<void> {
  let pending: { w: number; h: number } | undefined;
  let inFlight: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    while (pending) {
      const { w, h } = pending;
      pending = undefined;
      try {
        await resize(w, h);
      } catch {
        // The terminal keeps its last size; the next resize tries again.
      }
    }
    inFlight = undefined;
  };
  return (w, h) => {
    pending = { w, h };
    inFlight ??= drain();
    return inFlight;
  };
}
