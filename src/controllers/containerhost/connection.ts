// How to reach a ContainerHost's engine: its endpoint, and the TLS material or SSH key of its
// Secret presented to the same code that reads DOCKER_HOST for the operator's own engine
// (backend/docker-host.ts), as DOCKER_TLS_VERIFY, DOCKER_CERT_PATH and files in a home directory
// that exists only in memory. Nothing of the Secret is written anywhere.
import type { ContainerHost } from '../../api/container-host.ts';
import { secretBytes, type Secret } from '../../api/core.ts';
import type { DockerBackendOptions } from '../../backend/docker-backend.ts';
import { ALLOW_PLAIN_TCP, type HostFiles } from '../../backend/docker-host.ts';

/** The keys read from a ContainerHost's Secret. */
export const TLS_KEYS = ['ca.pem', 'cert.pem', 'key.pem'] as const;
export const SSH_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa', 'known_hosts'] as const;

const HOME = '/nonexistent/containerhost';
const CERT_PATH = `${HOME}/.docker`;

/** Why a ContainerHost cannot be connected to; the reason goes into its Ready condition. */
export class ConnectionError extends Error {
  readonly reason: 'SecretNotFound' | 'InvalidEndpoint';
  constructor(reason: 'SecretNotFound' | 'InvalidEndpoint', message: string) {
    super(message);
    this.reason = reason;
    this.name = 'ConnectionError';
  }
}

export interface SecretLookup {
  secret: (namespace: string, name: string) => Secret | undefined;
  /** Where a secretRef without a namespace points: the operator's own namespace. */
  defaultNamespace: string;
}

/** The namespace/name of the host's Secret, if it has one. */
export function secretKeyOf(ch: ContainerHost, defaultNamespace: string): string | undefined {
  const ref = ch.spec.secretRef;
  return ref ? `${ref.namespace ?? defaultNamespace}/${ref.name}` : undefined;
}

export function connectionOptions(ch: ContainerHost, lookup: SecretLookup): DockerBackendOptions {
  const endpoint = ch.spec.endpoint;
  if (endpoint.startsWith('unix://')) return { host: endpoint };
  const ref = ch.spec.secretRef;
  if (!ref) {
    if (endpoint.startsWith('ssh://'))
      throw new ConnectionError(
        'InvalidEndpoint',
        `${endpoint}: an ssh:// host needs spec.secretRef with a key and known_hosts`,
      );
    // Plain TCP: no TLS material. Refused for a host that is not loopback unless the operator
    // runs with the same opt-in as for its own DOCKER_HOST (backend/docker-host.ts).
    const optIn = process.env[ALLOW_PLAIN_TCP];
    const env = optIn === undefined ? {} : { [ALLOW_PLAIN_TCP]: optIn };
    return { host: endpoint, credentials: { env, files: memoryFiles({}) } };
  }
  const namespace = ref.namespace ?? lookup.defaultNamespace;
  const secret = lookup.secret(namespace, ref.name);
  if (!secret) throw new ConnectionError('SecretNotFound', `Secret ${namespace}/${ref.name} not found`);
  if (endpoint.startsWith('ssh://')) {
    const files = secretFiles(secret, SSH_KEYS, `${HOME}/.ssh`);
    return { host: endpoint, credentials: { env: {}, files: memoryFiles(files) } };
  }
  const files = secretFiles(secret, TLS_KEYS, CERT_PATH);
  return {
    host: endpoint,
    credentials: { env: { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: CERT_PATH }, files: memoryFiles(files) },
  };
}

/** The Secret's keys that are present, as files in `dir`. */
function secretFiles(secret: Secret, keys: readonly string[], dir: string): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const key of keys) {
    const content = secretBytes(secret, key);
    if (content !== undefined) files[`${dir}/${key}`] = content;
  }
  return files;
}

function memoryFiles(files: Record<string, Buffer>): HostFiles {
  return {
    home: HOME,
    exists: (path) => files[path] !== undefined,
    read: (path) => {
      const content = files[path];
      // The message names the key, not a path the user never wrote.
      if (content === undefined) throw new Error(`the Secret has no ${path.split('/').pop()}`);
      return content;
    },
  };
}
