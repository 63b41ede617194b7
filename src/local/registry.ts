import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCli } from './docker-cli.ts';
import { exec, execError } from './exec.ts';
import { httpRequest } from './http-request.ts';
import { runDir } from './paths.ts';
import { freePort, startProcess, waitFor } from './processes.ts';
import type { ProcessHandle } from './processes.ts';
import { buildTestImage, TEST_IMAGE } from './test-image.ts';

export interface Registry {
  /** 127.0.0.1:PORT — Docker allows plain HTTP to 127.0.0.0/8 registries by default. */
  host: string;
  username: string;
  password: string;
  handle: ProcessHandle;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  username: string;
  password: string;
  /** Run-dir name; unique per call by default. */
  name?: string;
}

let started = 0;

/** Starts a real distribution registry with htpasswd basic auth on a free loopback port. */
export async function startRegistry(opts: RegistryOptions): Promise<Registry> {
  const dir = runDir(opts.name ?? `registry-${process.pid}-${++started}`);
  const htpasswdFile = join(dir, 'htpasswd');
  const hashed = await exec('htpasswd', ['-Bbn', opts.username, opts.password]);
  if (hashed.code !== 0) throw execError('htpasswd', hashed);
  writeFileSync(htpasswdFile, hashed.stdout.trim() + '\n');
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, registryConfig(host, dataDir, htpasswdFile));
  const handle = startProcess({
    name: 'docker-registry',
    command: '/usr/bin/docker-registry',
    args: ['serve', configFile],
    logFile: join(dir, 'registry.log'),
  });
  try {
    await waitFor(
      'registry GET /v2/ -> 401',
      async () => {
        return (await httpRequest({ url: `http://${host}/v2/` })).status === 401;
      },
      { timeoutMs: 30_000, intervalMs: 100, process: handle },
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  return {
    host,
    username: opts.username,
    password: opts.password,
    handle,
    async stop() {
      await handle.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function registryConfig(addr: string, dataDir: string, htpasswdFile: string): string {
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${dataDir}
  delete:
    enabled: true
http:
  addr: ${addr}
  secret: ${randomBytes(16).toString('hex')}
auth:
  htpasswd:
    realm: nco-test-registry
    path: ${htpasswdFile}
`;
}

/**
 * Pushes the busybox test image to the registry as host/repoTag and returns that reference.
 * Logs out and drops the local copy afterwards so a later pull must authenticate.
 */
export async function pushTestImage(
  docker: { host: string },
  registry: Pick<Registry, 'host' | 'username' | 'password'>,
  repoTag: string,
): Promise<string> {
  await buildTestImage(docker);
  const ref = `${registry.host}/${repoTag}`;
  const run = async (what: string, args: string[], input?: string): Promise<void> => {
    const res = await dockerCli(docker, args, { input });
    if (res.code !== 0) throw execError(what, res);
  };
  await run('docker login', ['login', registry.host, '-u', registry.username, '--password-stdin'], registry.password);
  try {
    await run('docker tag', ['tag', TEST_IMAGE, ref]);
    await run(`docker push ${ref}`, ['push', ref]);
  } finally {
    await dockerCli(docker, ['logout', registry.host]);
    await dockerCli(docker, ['rmi', ref]);
  }
  return ref;
}
