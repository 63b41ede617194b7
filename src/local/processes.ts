import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { forget, record } from './pid-registry.ts';

export interface ProcessHandle {
  readonly pid: number;
  readonly name: string;
  readonly logFile: string;
  /** Resolves with the exit code (null when killed by a signal or never started). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after the grace period; safe to call more than once. */
  stop(): Promise<void>;
  /** True once the process has exited. */
  hasExited(): boolean;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
  /** Mounts the process leaves under this directory are removed should its starter die first. */
  mountsUnder?: string;
}

const STOP_GRACE_MS = 10_000;
const running = new Set<ProcessHandle>();
let hooksInstalled = false;

/** Spawns a long-running component with stdout and stderr appended to its log file. */
export function startProcess(opts: StartOptions): ProcessHandle {
  installExitHooks();
  const fd = openSync(opts.logFile, 'a');
  writeSync(fd, `\n=== ${new Date().toISOString()} ${opts.command} ${opts.args.join(' ')}\n`);
  // A process group of its own: a terminal's Ctrl-C signals the whole foreground group, and the
  // program that started us (the demo) must be able to clean up with its children still running.
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exitedFlag = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    // A spawn failure emits 'error' without 'exit'; record why in the log so waitFor can show it.
    child.once('error', (err) => {
      try {
        const efd = openSync(opts.logFile, 'a');
        writeSync(efd, `spawn error: ${err.message}\n`);
        closeSync(efd);
      } finally {
        resolve(null);
      }
    });
  }).finally(() => {
    exitedFlag = true;
  });
  if (child.pid === undefined) {
    throw new Error(`failed to start ${opts.name}: cannot execute ${opts.command}`);
  }
  const pid = child.pid;
  record(pid, opts.name, opts.mountsUnder);
  void exited.then(() => forget(pid));
  let stopping: Promise<void> | undefined;
  const handle: ProcessHandle = {
    pid,
    name: opts.name,
    logFile: opts.logFile,
    exited,
    hasExited: () => exitedFlag,
    stop() {
      stopping ??= stopPid(pid, exited, () => exitedFlag, opts.stopGraceMs ?? STOP_GRACE_MS);
      return stopping;
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

async function stopPid(pid: number, exited: Promise<unknown>, done: () => boolean, graceMs: number): Promise<void> {
  if (done()) return;
  signal(pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), graceMs);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    signal(pid, 'SIGKILL');
    await exited;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** True while a process (not necessarily our child) exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the parenthesised command name.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM, wait, then SIGKILL a process that is not our child (so there is no exit event). */
export async function terminatePid(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 200));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Stops every process started by this Node process, newest first; one that fails does not stop the rest. */
export async function stopAll(): Promise<void> {
  for (const handle of [...running].reverse()) {
    try {
      await handle.stop();
    } catch {
      // Already gone, or not ours to signal any more.
    }
  }
}

// Children outlive us unless we stop them: on a normal exit they get SIGTERM. Signals are the
// business of the program that owns the process (see onStopSignal), not of this library.
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', () => {
    for (const handle of running) signal(handle.pid, 'SIGTERM');
  });
}

/**
 * For programs that own their process (the vitest global setup, the benchmark): on SIGINT,
 * SIGTERM or SIGHUP, stop every process started here, then exit with 128 + the signal number.
 */
export function stopAllOnSignals(): void {
  const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      void stopAll().finally(() => process.exit(codes[sig]));
    });
  }
}

/** The last `lines` lines of a log file, or a note when it cannot be read. */
export function logTail(file: string, lines = 40): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch (err) {
    return `(cannot read ${file}: ${(err as Error).message})`;
  }
}

/** Error whose message carries the tail of a component's log, so failures explain themselves. */
export function errorWithLog(message: string, logFile: string): Error {
  return new Error(`${message}\n--- last lines of ${logFile} ---\n${logTail(logFile)}\n---`);
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Fail fast if this process exits while waiting; its log is shown on failure. */
  process?: ProcessHandle;
  /** Log to show on failure when there is no process handle. */
  logFile?: string;
}

/** Polls `check` until it returns true; a throwing check counts as "not yet". */
export async function waitFor(what: string, check: () => Promise<boolean>, opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 250;
  const logFile = opts.process?.logFile ?? opts.logFile;
  const fail = (why: string): Error => (logFile === undefined ? new Error(why) : errorWithLog(why, logFile));
  let lastError: string;
  for (;;) {
    try {
      if (await check()) return;
      lastError = '';
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (opts.process?.hasExited()) {
      const code = await opts.process.exited;
      throw fail(`${what}: ${opts.process.name} exited early (code ${String(code)})`);
    }
    if (Date.now() >= deadline) {
      const last = lastError === '' ? '' : ` (last error: ${lastError})`;
      throw fail(`${what}: not ready after ${opts.timeoutMs} ms${last}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
