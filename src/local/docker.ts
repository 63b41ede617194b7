import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAll } from './cleanup.ts';
import { httpRequest } from './http-request.ts';
import { unmountUnder } from './mounts.ts';
import { inNetns } from './netns.ts';
import { stateDir } from './paths.ts';
import { startProcess, terminatePid, waitFor } from './processes.ts';
import type { ProcessHandle } from './processes.ts';

export interface DockerEnv {
  /** DOCKER_HOST value, e.g. unix:///path/docker.sock */
  host: string;
  /** Unix socket path; empty when the host is not a unix socket. */
  socketPath: string;
  /** True when this process started the daemon (and so may stop or restart it). */
  started: boolean;
  dockerd?: ProcessHandle;
  stop(): Promise<void>;
  /** Starts the daemon again after stop() (only one this process started). */
  start(): Promise<void>;
  restart(): Promise<void>;
  /** SIGKILLs dockerd and its containerd, as a crash would, leaving the shims; then starts it again. */
  crashAndRestart(): Promise<void>;
  /** SIGKILLs dockerd and its containerd and leaves it down (start() brings it back). */
  crash(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

/** Directory of the private daemon: socket, data root, exec root, pidfile, log. */
export function dockerDir(): string {
  return join(stateDir(), 'docker');
}

export interface EnsureDockerOptions {
  /** A daemon of its own in this directory (fault tests that restart it); ignores $NCO_DOCKER_HOST. */
  dir?: string;
  /** Runs the daemon in this network namespace (a Docker host of its own; see netns.ts). */
  netns?: string;
  /** More dockerd arguments: another --host to listen on, TLS files. */
  args?: string[];
}

/** A Docker daemon to test against: $NCO_DOCKER_HOST, a running private one, or a new private one. */
export async function ensureDocker(opts: EnsureDockerOptions = {}): Promise<DockerEnv> {
  const external = opts.dir === undefined ? process.env['NCO_DOCKER_HOST'] : undefined;
  if (external !== undefined && external !== '') {
    const socketPath = external.startsWith('unix://') ? external.slice('unix://'.length) : '';
    return {
      host: external,
      socketPath,
      started: false,
      stop: async () => {},
      start: notOurs,
      restart: notOurs,
      crashAndRestart: notOurs,
      crash: notOurs,
    };
  }
  const dir = opts.dir ?? dockerDir();
  mkdirSync(dir, { recursive: true });
  const socketPath = join(dir, 'docker.sock');
  const host = `unix://${socketPath}`;
  const logFile = join(dir, 'dockerd.log');
  const pidFile = join(dir, 'docker.pid');

  const livePid = liveDockerdPid(pidFile);
  if (livePid === undefined) {
    // Leftovers of a daemon that was killed: its pidfile and possibly its containerd.
    rmSync(pidFile, { force: true });
    await stopOrphanedContainerd(dir);
  } else if (await ping(socketPath)) {
    return notStartedHere(host, socketPath);
  } else {
    // Another test process is still starting it; wait instead of racing a second daemon.
    await waitFor(`dockerd pid ${livePid} (started elsewhere)`, () => ping(socketPath), {
      timeoutMs: READY_TIMEOUT_MS,
      logFile,
    });
    return notStartedHere(host, socketPath);
  }

  const env: DockerEnv = {
    host,
    socketPath,
    started: true,
    dockerd: await startDockerd(dir, socketPath, logFile, pidFile, opts),
    async stop() {
      await runAll([
        () => env.dockerd?.stop(),
        () => stopOrphanedContainerd(dir),
        () => stopLeakedShims(dir),
        () => unmountUnder(dir),
      ]);
    },
    async start() {
      if (env.dockerd && !env.dockerd.hasExited()) return;
      env.dockerd = await startDockerd(dir, socketPath, logFile, pidFile, opts);
    },
    async restart() {
      await env.stop();
      await env.start();
    },
    async crashAndRestart() {
      await env.crash();
      env.dockerd = await startDockerd(dir, socketPath, logFile, pidFile, opts);
    },
    async crash() {
      const containerd = readPid(join(dir, 'exec', 'containerd', 'containerd.pid'));
      if (env.dockerd) process.kill(env.dockerd.pid, 'SIGKILL');
      if (containerd !== undefined && cmdline(containerd).includes('containerd')) process.kill(containerd, 'SIGKILL');
      await env.dockerd?.exited;
      rmSync(pidFile, { force: true });
      await stopOrphanedContainerd(dir);
    },
  };
  return env;
}

function notOurs(): Promise<void> {
  return Promise.reject(new Error('cannot restart a Docker daemon this process did not start'));
}

async function startDockerd(
  dir: string,
  socketPath: string,
  logFile: string,
  pidFile: string,
  opts: EnsureDockerOptions = {},
): Promise<ProcessHandle> {
  // An explicit empty config keeps /etc/docker/daemon.json from changing the test daemon.
  const configFile = join(dir, 'daemon.json');
  writeFileSync(configFile, '{}\n');
  const handle = startProcess({
    name: 'dockerd',
    mountsUnder: dir,
    ...inNamespace(opts.netns, dockerdPath(), [
      `--host=unix://${socketPath}`,
      ...(opts.args ?? []),
      `--config-file=${configFile}`,
      `--data-root=${join(dir, 'root')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `--pidfile=${pidFile}`,
      // Containers use host networking only; leave the host's bridges and firewall alone.
      '--bridge=none',
      '--iptables=false',
      '--ip6tables=false',
      '--shutdown-timeout=3',
      '--log-level=warn',
    ]),
    logFile,
    stopGraceMs: 20_000,
  });
  try {
    await waitFor('dockerd /_ping', () => ping(socketPath), {
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 200,
      process: handle,
    });
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return handle;
}

function dockerdPath(): string {
  for (const path of ['/usr/sbin/dockerd', '/usr/bin/dockerd', '/usr/local/bin/dockerd']) {
    if (existsSync(path)) return path;
  }
  throw new Error('dockerd not found: run bash src/local/setup.sh (installs docker.io)');
}

/** True when the daemon at socketPath answers GET /_ping. */
export async function ping(socketPath: string): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  try {
    const res = await httpRequest({ url: 'http://docker/_ping', socketPath, timeoutMs: 2000 });
    return res.status === 200;
  } catch {
    return false;
  }
}

function liveDockerdPid(pidFile: string): number | undefined {
  const pid = readPid(pidFile);
  return pid !== undefined && cmdline(pid).includes('dockerd') ? pid : undefined;
}

// dockerd stops its containerd on SIGTERM. After a SIGKILL, containerd may linger, or linger as
// a zombie nobody reaps quickly; either way a new dockerd reading containerd.pid would try to
// adopt it and time out ("timeout waiting for containerd to start"). Make sure it is gone.
async function stopOrphanedContainerd(dir: string): Promise<void> {
  const pidFile = join(dir, 'exec', 'containerd', 'containerd.pid');
  const pid = readPid(pidFile);
  if (pid === undefined) return;
  if (cmdline(pid).includes('containerd')) await terminatePid(pid);
  rmSync(pidFile, { force: true });
}

/**
 * containerd shims outlive their daemon by design. After our daemon has stopped, a shim still
 * serving its exec root (a task a start leaked while the daemon shut down) is ours to end,
 * with the container process it holds.
 */
async function stopLeakedShims(dir: string): Promise<void> {
  const marker = `-address ${join(dir, 'exec')}/`;
  const pids = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
  for (const shim of pids.filter((pid) => cmdline(pid).includes('containerd-shim') && cmdline(pid).includes(marker))) {
    for (const child of pids.filter((pid) => parentOf(pid) === shim)) await terminatePid(child, 2000);
    await terminatePid(shim, 2000);
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name in field 2 may hold spaces; fields after its closing parenthesis are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// Empty when the process is gone; guards against a recycled PID belonging to something else.
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export { dockerCli } from './docker-cli.ts';
export { buildTestImage, TEST_IMAGE } from './test-image.ts';

/** A daemon another process started: used as it is, never stopped or restarted from here. */
function notStartedHere(host: string, socketPath: string): DockerEnv {
  return {
    host,
    socketPath,
    started: false,
    stop: async () => {},
    start: notOurs,
    restart: notOurs,
    crashAndRestart: notOurs,
    crash: notOurs,
  };
}

/** dockerd itself, or dockerd in network namespace `netns` (a Docker host of its own). */
function inNamespace(netns: string | undefined, command: string, args: string[]): { command: string; args: string[] } {
  return netns ? inNetns(netns, command, args) : { command, args };
}
