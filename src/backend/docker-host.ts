// How the operator reaches the Docker Engine, from DOCKER_HOST and its companions read the way the
// docker CLI reads them: unix:// (the default socket when unset), tcp:// (TLS with client
// certificates when DOCKER_TLS_VERIFY is set: ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH,
// default ~/.docker), or ssh://user@host[:port] (a key and known_hosts from ~/.ssh, or the agent
// at SSH_AUTH_SOCK; the remote user runs `docker system dial-stdio`).
//
// Plain tcp:// (no TLS) is refused unless the address is loopback or NCO_DOCKER_ALLOW_PLAIN_TCP
// is true: the Docker API is root on its host without authentication, so an unencrypted,
// unauthenticated endpoint on a network hands the host to anyone who can reach the port, and
// hands them every credential the operator sends for pulls.
import { existsSync, readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
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
    refusePlainTcp(url, hostname, env);
    return { host: hostname, port: Number(url.port || 2375), protocol: 'http' };
  }
  const certPath = env['DOCKER_CERT_PATH'] || join(files.home, '.docker');
  const [ca, cert, key] = ['ca.pem', 'cert.pem', 'key.pem'].map((f) =>
    readRequired(files, join(certPath, f), url.href),
  );
  return { host: hostname, port: Number(url.port || 2376), protocol: 'https', ca, cert, key };
}

/** The opt-in for plain HTTP to a Docker endpoint that is not loopback. */
export const ALLOW_PLAIN_TCP = 'NCO_DOCKER_ALLOW_PLAIN_TCP';

/** Throws, saying how to fix it, for plain tcp:// to anything but loopback without the opt-in. */
function refusePlainTcp(url: URL, hostname: string, env: NodeJS.ProcessEnv): void {
  if (isLoopback(hostname)) return;
  const optIn = env[ALLOW_PLAIN_TCP]?.toLowerCase();
  if (optIn === 'true' || optIn === '1') return;
  throw new Error(
    `DOCKER_HOST ${url.href} is plain tcp:// to a host that is not loopback: anyone who can reach it controls ` +
      `that Docker host and sees the registry credentials sent to it. Use TLS (DOCKER_TLS_VERIFY=1 with ca.pem, ` +
      `cert.pem and key.pem in DOCKER_CERT_PATH), or ssh://user@host, or set ${ALLOW_PLAIN_TCP}=true to accept the risk.`,
  );
}

/** localhost, 127.0.0.0/8 and ::1 (bare, as the caller strips IPv6 brackets). */
export function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIPv4(name)) return name.startsWith('127.');
  return name === '::1' || name === '0:0:0:0:0:0:0:1';
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
