// Day-two operations on one container, apart from ContainerBackend (what the controllers need to
// converge): logs, exec, attach, stats, top, archives and commit, for the subresource API. Nothing
// here knows about Kubernetes. Streams are plain Node streams; the caller ends them.
import type { Duplex, Readable } from 'node:stream';

export interface LogOptions {
  follow: boolean;
  /** The last n lines only. */
  tail?: number;
  /** Seconds since the epoch (fractional). */
  since?: number;
  timestamps: boolean;
}

export interface SessionOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** An exec or an attach: output as it comes, input, resizes, and how it ended. */
export interface Session {
  /** Demultiplexed output; with a TTY everything comes on stdout. */
  stdout: Readable;
  stderr: Readable;
  /** Writes to the process's stdin (when asked for); end() closes it. */
  stdin: Duplex | undefined;
  resize(width: number, height: number): Promise<void>;
  /** Resolves when the output has ended: the exit code (exec), or the container's (attach) when it stopped. */
  done: Promise<number | undefined>;
  /** Leaves the session; the process goes on unless it reads stdin. */
  close(): void;
}

export interface ProcessList {
  titles: string[];
  processes: string[][];
}

export interface Archive {
  tar: Readable;
}

export interface CommitOptions {
  repository: string;
  tag: string;
  message?: string;
  author?: string;
}

export interface ContainerAccess {
  /** Whether the container has a TTY (its output then is one raw stream). */
  hasTty(id: string): Promise<boolean>;
  /** stdout and stderr interleaved as they were written (demultiplexed). */
  logs(id: string, options: LogOptions): Promise<Readable>;
  exec(id: string, command: string[], options: SessionOptions): Promise<Session>;
  attach(id: string, options: SessionOptions): Promise<Session>;
  /** Docker's stats JSON: one sample, or a stream of JSON lines until destroyed. */
  stats(id: string, stream: boolean): Promise<Readable>;
  top(id: string, psArgs?: string): Promise<ProcessList>;
  getArchive(id: string, path: string): Promise<Archive>;
  /** Extracts a tar into `path`, a directory that exists in the container. */
  putArchive(id: string, path: string, tar: Readable): Promise<void>;
  /** An image from the container's file system; returns its ID. */
  commit(id: string, options: CommitOptions): Promise<string>;
}
