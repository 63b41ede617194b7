// A Podman host for the multi-host tests: `podman system service` serving the Docker-compatible
// API on a unix socket, with a root and runroot of its own under the state directory, and a
// containers.conf whose default ulimits stay under this process's hard limits (Podman's defaults
// exceed them here, and every container would fail with "error setting rlimit"). Its containers
// live in conmon processes that outlive the service, so stop() removes them first.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerFromHost } from '../../src/backend/docker-backend.ts';
import { retryBusy, runAll } from '../../src/local/cleanup.ts';
import { buildTestImage, ping } from '../../src/local/docker.ts';
import { unmountUnder } from '../../src/local/mounts.ts';
import { runDir } from '../../src/local/paths.ts';
import { startProcess, waitFor } from '../../src/local/processes.ts';

export interface PodmanHost {
  /** unix:///.../podman.sock */
  host: string;
  stop(): Promise<void>;
}

export async function startPodmanHost(): Promise<PodmanHost> {
  const dir = runDir('hosts/podman');
  const socketPath = join(dir, 'podman.sock');
  const conf = join(dir, 'containers.conf');
  writeFileSync(
    conf,
    `[containers]\ndefault_ulimits = ["nofile=${limit('Max open files', 20_000)}", "nproc=${limit('Max processes', 32_768)}"]\n`,
  );
  const handle = startProcess({
    name: 'podman',
    command: 'podman',
    args: [
      '--root',
      join(dir, 'root'),
      '--runroot',
      join(dir, 'run'),
      'system',
      'service',
      '--time=0',
      `unix://${socketPath}`,
    ],
    env: { ...process.env, CONTAINERS_CONF: conf },
    logFile: join(dir, 'podman.log'),
    mountsUnder: dir,
  });
  const host = `unix://${socketPath}`;
  const stop = (): Promise<void> =>
    runAll([
      async () => {
        const docker = dockerFromHost(host);
        const all = await docker.listContainers({ all: true });
        await runAll(all.map((c) => () => retryBusy(() => docker.getContainer(c.Id).remove({ force: true }))));
      },
      () => handle.stop(),
      () => unmountUnder(dir),
    ]);
  try {
    await waitFor('podman /_ping', () => ping(socketPath), { timeoutMs: 60_000, intervalMs: 200, process: handle });
    await buildTestImage({ host });
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, stop };
}

/**
 * "n:n" for one limit: at most `cap`, and at most this process's hard limit (/proc/self/limits).
 * An nproc at the hard limit itself was still refused here (rlimit type 6), hence the cap.
 */
function limit(name: string, cap: number): string {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(name));
  const hard = line?.slice(name.length).trim().split(/\s+/)[1];
  const value = hard === undefined || hard === 'unlimited' ? cap : Math.min(cap, Number(hard));
  return `${value}:${value}`;
}
