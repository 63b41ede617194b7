import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { httpRequest } from './http-request.ts';
import { binary } from './paths.ts';
import { freePort, startProcess, waitFor } from './processes.ts';
import type { ProcessHandle } from './processes.ts';

export interface Etcd {
  handle: ProcessHandle;
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts a single-member etcd on free loopback ports with its data under dir/etcd. */
export async function startEtcd(dir: string, name: string): Promise<Etcd> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const dataDir = join(dir, 'etcd');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const handle = startProcess({
    name: 'etcd',
    command: binary('etcd'),
    args: [
      `--name=${name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${name}=${peer}`,
      '--initial-cluster-state=new',
      // Test data is throwaway; skipping fsync makes every write much faster.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ],
    logFile: join(dir, 'etcd.log'),
  });
  try {
    await waitFor(
      'etcd /health',
      async () => {
        const res = await httpRequest({ url: `${endpoint}/health` });
        return res.status === 200 && res.body.includes('"health":"true"');
      },
      { timeoutMs: 30_000, intervalMs: 100, process: handle },
    );
  } catch (err) {
    await handle.stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    handle,
    endpoint,
    async stop() {
      await handle.stop();
      // etcd preallocates 64 MB WAL segments; drop them, keep the logs for debugging.
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
