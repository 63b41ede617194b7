// How the operator reaches the Docker Engine, from DOCKER_HOST and its companions read the way the
// docker CLI reads them: unix:// (the default socket when unset), tcp:// (TLS with client
// certificates when DOCKER_TLS_VERIFY is set: ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH,
// default ~/.docker), or ssh://user@host[:port] (a key and known_hosts from ~/.ssh, or the agent
// at SSH_AUTH_SOCK; the remote user runs `docker system dial-stdio`).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { hostKeyVerifier } from './known-hosts.ts';

/** The files the options are read from; a seam for tests. */
export interface HostFiles {
  home: string;
  exists(path: string): boolean;
  read(path: string): Buffer;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
const SSH_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function diskFiles(): HostFiles {
  return { home: homedir(), exists: existsSync, read: (path) => readFileSync(path) };
}

/** dockerode options for a DOCKER_HOST value; throws a message naming what is missing. */
export function dockerOptions(
  host: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  files: HostFiles = diskFiles(),
): Docker.DockerOptions {
  if (host === undefined || host === '') return { socketPath: DEFAULT_SOCKET };
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) || DEFAULT_SOCKET };
  const url = parseHost(host);
  // URL keeps the brackets of an IPv6 address; sockets want the bare address.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return url.protocol === 'ssh:' ? sshOptions(url, hostname, env, files) : tcpOptions(url, hostname, env, files);
}

function tcpOptions(url: URL, hostname: string, env: NodeJS.ProcessEnv, files: HostFiles): Docker.DockerOptions {
  if (env['DOCKER_TLS_VERIFY'] === undefined || env['DOCKER_TLS_VERIFY'] === '') {
    return { host: hostname, port: Number(url.port || 2375), protocol: 'http' };
  }
  const certPath = env['DOCKER_CERT_PATH'] || join(files.home, '.docker');
  const [ca, cert, key] = ['ca.pem', 'cert.pem', 'key.pem'].map((f) =>
    readRequired(files, join(certPath, f), url.href),
  );
  return { host: hostname, port: Number(url.port || 2376), protocol: 'https', ca, cert, key };
}

function parseHost(host: string): URL {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new Error(
      `DOCKER_HOST ${JSON.stringify(host)} is not a URL like unix:///path, tcp://host:port or ssh://user@host`,
    );
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'ssh:') {
    throw new Error(`DOCKER_HOST ${JSON.stringify(host)}: the scheme must be unix://, tcp:// or ssh://`);
  }
  return url;
}

function sshOptions(url: URL, hostname: string, env: NodeJS.ProcessEnv, files: HostFiles): Docker.DockerOptions {
  const username = decodeURIComponent(url.username);
  if (username === '') throw new Error(`DOCKER_HOST ${url.href} names no user: use ssh://user@host`);
  const port = Number(url.port || 22);
  const sshDir = join(files.home, '.ssh');
  const keyFile = SSH_KEYS.map((name) => join(sshDir, name)).find((path) => files.exists(path));
  const agent = env['SSH_AUTH_SOCK'] || undefined;
  if (keyFile === undefined && agent === undefined) {
    throw new Error(`Docker over SSH needs a key (${SSH_KEYS.join(', ')} in ${sshDir}) or an agent (SSH_AUTH_SOCK)`);
  }
  const knownHosts = readRequired(files, join(sshDir, 'known_hosts'), url.href).toString('utf8');
  return {
    protocol: 'ssh',
    host: hostname,
    port,
    username,
    sshOptions: {
      ...(keyFile === undefined ? {} : { privateKey: files.read(keyFile) }),
      ...(agent === undefined ? {} : { agent }),
      hostVerifier: hostKeyVerifier(knownHosts, hostname, port),
    },
  };
}

function readRequired(files: HostFiles, path: string, host: string): Buffer {
  if (!files.exists(path)) throw new Error(`${path} is missing; it is needed to reach Docker at ${host}`);
  return files.read(path);
}
