// Several Docker hosts on one machine for the multi-host tests: three dockerds, each in a network
// namespace of its own joined to the root namespace by a veth pair (a free /30 of 10.234.0.0/24,
// see src/local/netns.ts), reached by the operator the three ways a ContainerHost can name: a unix
// socket, TCP with TLS client certificates (dockerd's own --tlsverify listener), and SSH (an SSH
// server inside the namespace that runs `docker system dial-stdio`). Every daemon also has a unix
// socket for the test to look at what runs there. stop() removes daemons and namespaces, and
// stop-leftovers removes what a killed run left (pid registry, netns registry).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCerts, openssl, signLeaf, type CertPaths } from '../../src/local/certs.ts';
import { runAll } from '../../src/local/cleanup.ts';
import { buildTestImage, ensureDocker, type DockerEnv } from '../../src/local/docker.ts';
import { createNetns, type Netns } from '../../src/local/netns.ts';
import { cacheDir, runDir } from '../../src/local/paths.ts';
import { startProcess, waitFor, type ProcessHandle } from '../../src/local/processes.ts';
import { generateKeyPair } from './docker-ssh-server.ts';

export type Access = 'unix' | 'tls' | 'ssh';

export interface TestHost {
  /** The ContainerHost's name. */
  name: string;
  access: Access;
  /** spec.endpoint */
  endpoint: string;
  /** stringData of the Secret spec.secretRef names (TLS files, or the SSH key and known_hosts). */
  secret?: Record<string, string>;
  /** DOCKER_HOST of the daemon's own unix socket, for the test to look at it. */
  localHost: string;
  docker: DockerEnv;
  netns: Netns;
}

export interface DockerHosts {
  hosts: TestHost[];
  /** Swaps the TLS host's server certificate for one no trusted CA signed, and restarts it. */
  untrustTls(): Promise<void>;
  stop(): Promise<void>;
}

const ROOT = new URL('../../', import.meta.url).pathname;

export async function startDockerHosts(accesses: Access[] = ['unix', 'tls', 'ssh']): Promise<DockerHosts> {
  const created: TestHost[] = [];
  const extras: ProcessHandle[] = [];
  const namespaces: Netns[] = [];
  let tlsDir = '';
  const stop = (): Promise<void> =>
    runAll([
      ...extras.map((p) => () => p.stop()),
      ...created.map((h) => () => h.docker.stop()),
      ...namespaces.map((n) => () => n.remove()),
    ]);
  try {
    for (const access of accesses) {
      const name = `${access}-host`;
      const netns = await createNetns();
      namespaces.push(netns);
      const dir = runDir(`hosts/${name}`);
      if (access === 'tls') tlsDir = dir;
      const tls = access === 'tls' ? await tlsFiles(dir, netns.address) : undefined;
      const docker = await ensureDocker({
        dir,
        netns: netns.name,
        ...(tls ? { args: tls.args } : {}),
      });
      const host: TestHost = {
        name,
        access,
        endpoint: `unix://${docker.socketPath}`,
        localHost: docker.host,
        docker,
        netns,
      };
      created.push(host);
      await buildTestImage(docker);
      if (tls) Object.assign(host, { endpoint: `tcp://${netns.address}:2376`, secret: tls.secret });
      if (access === 'ssh') {
        const ssh = await sshServer(dir, netns, docker.socketPath);
        extras.push(ssh.process);
        Object.assign(host, { endpoint: `ssh://docker@${netns.address}`, secret: ssh.secret });
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    hosts: created,
    stop,
    async untrustTls() {
      const host = created.find((h) => h.access === 'tls');
      if (!host) throw new Error('no TLS host');
      await host.docker.crash();
      await untrustedServerCert(tlsDir, host.netns.address);
      await host.docker.start();
    },
  };
}

/** dockerd's own TLS listener with a server certificate for the namespace's address, and the client's files. */
async function tlsFiles(dir: string, address: string): Promise<{ args: string[]; secret: Record<string, string> }> {
  const ca = await ensureCerts(join(cacheDir(), 'pki'));
  const here: CertPaths = { ...ca, dir };
  await signLeaf(here, 'server', '/CN=docker', `subjectAltName=IP:${address}\nextendedKeyUsage=serverAuth\n`);
  await signLeaf(here, 'client', '/CN=native-container-operator', 'extendedKeyUsage=clientAuth\n');
  const args = [
    `--host=tcp://${address}:2376`,
    '--tlsverify',
    `--tlscacert=${ca.caCert}`,
    `--tlscert=${join(dir, 'server.crt')}`,
    `--tlskey=${join(dir, 'server.key')}`,
  ];
  const secret = {
    'ca.pem': readFileSync(ca.caCert, 'utf8'),
    'cert.pem': readFileSync(join(dir, 'client.crt'), 'utf8'),
    'key.pem': readFileSync(join(dir, 'client.key'), 'utf8'),
  };
  return { args, secret };
}

/** A server certificate for the same address from a CA nobody trusts, in place of the good one. */
async function untrustedServerCert(dir: string, address: string): Promise<void> {
  const caKey = join(dir, 'rogue-ca.key');
  const caCert = join(dir, 'rogue-ca.crt');
  await openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
      '-keyout',
      caKey,
      '-out',
      caCert,
      '-days',
      '1',
      '-subj',
      '/CN=rogue-ca',
    ]),
  );
  const rogueDir = join(dir, 'rogue');
  const rogue = { dir: rogueDir, caCert, caKey } as CertPaths;
  mkdirSync(rogueDir, { recursive: true });
  await signLeaf(rogue, 'server', '/CN=docker', `subjectAltName=IP:${address}\nextendedKeyUsage=serverAuth\n`);
  copyFileSync(join(rogueDir, 'server.crt'), join(dir, 'server.crt'));
  copyFileSync(join(rogueDir, 'server.key'), join(dir, 'server.key'));
}

/** An SSH server inside the namespace on port 22, for user docker with a key of its own. */
async function sshServer(
  dir: string,
  netns: Netns,
  socketPath: string,
): Promise<{ process: ProcessHandle; secret: Record<string, string> }> {
  const hostKey = generateKeyPair('docker-host');
  const clientKey = generateKeyPair('native-container-operator');
  const config = join(dir, 'ssh-server.json');
  writeFileSync(
    config,
    JSON.stringify({ socketPath, hostKey, user: 'docker', clientKey, address: netns.address, port: 22 }),
    { mode: 0o600 },
  );
  const logFile = join(dir, 'ssh-server.log');
  const process_ = startProcess({
    name: 'ssh-server',
    ...netns.wrap(process.execPath, [join(ROOT, 'test/env/ssh-server-main.ts'), config]),
    logFile,
    cwd: ROOT,
  });
  await waitFor(
    'SSH server in the namespace',
    () => Promise.resolve(readFileSync(logFile, 'utf8').includes('listening on')),
    {
      timeoutMs: 30_000,
      intervalMs: 100,
      process: process_,
    },
  );
  return {
    process: process_,
    secret: { id_ed25519: clientKey.private, known_hosts: `${netns.address} ${hostKey.public}\n` },
  };
}
