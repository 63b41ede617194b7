// Registry credentials of a ContainerSecret, read from the Kubernetes Secret it points at (pure).
// Guarantee: the password never leaves the returned RegistryAuth; messages name Secrets and
// keys, never values.
import type { ContainerSecret } from '../../api/container-secret.ts';
import { DOCKER_CONFIG_JSON_TYPE, secretValue, type Secret } from '../../api/core.ts';
import { DOCKER_HUB, registryKey } from '../../api/image-reference.ts';
import type { RegistryAuth } from '../../backend/container-backend.ts';

export type SecretLookup = (namespace: string, name: string) => Secret | undefined;

/** Why credentials could not be read; `reason` is a condition reason. */
export class CredentialsError extends Error {
  readonly reason: 'SecretNotFound' | 'InvalidSecret';
  constructor(reason: 'SecretNotFound' | 'InvalidSecret', message: string) {
    super(message);
    this.name = 'CredentialsError';
    this.reason = reason;
  }
}

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
}

export function credentialsOf(csec: ContainerSecret, secrets: SecretLookup): RegistryAuth {
  const namespace = csec.metadata.namespace ?? 'default';
  const { spec } = csec;
  const serveraddress = serverAddress(spec.server);
  if (spec.passwordSecretRef) {
    const { name, key = 'password' } = spec.passwordSecretRef;
    const secret = secrets(namespace, name);
    if (!secret) throw new CredentialsError('SecretNotFound', `Secret ${name} not found in namespace ${namespace}.`);
    const password = secretValue(secret, key);
    if (password === undefined) throw new CredentialsError('SecretNotFound', `Secret ${name} has no key ${key}.`);
    return { username: spec.username ?? '', password, serveraddress };
  }
  const name = spec.dockerConfigSecretRef?.name ?? '';
  const secret = secrets(namespace, name);
  if (!secret) throw new CredentialsError('SecretNotFound', `Secret ${name} not found in namespace ${namespace}.`);
  return { ...fromDockerConfig(secret, name, spec.server), serveraddress };
}

function fromDockerConfig(secret: Secret, name: string, server: string): { username: string; password: string } {
  if (secret.type !== DOCKER_CONFIG_JSON_TYPE) {
    throw new CredentialsError(
      'InvalidSecret',
      `Secret ${name} is of type ${secret.type ?? 'Opaque'}, not ${DOCKER_CONFIG_JSON_TYPE}.`,
    );
  }
  const raw = secretValue(secret, '.dockerconfigjson');
  let auths: Record<string, DockerConfigEntry> | undefined;
  try {
    auths = (JSON.parse(raw ?? '') as { auths?: Record<string, DockerConfigEntry> }).auths;
  } catch {
    throw new CredentialsError('InvalidSecret', `Secret ${name} has no valid .dockerconfigjson.`);
  }
  const wanted = registryKey(server);
  const entry = Object.entries(auths ?? {}).find(([host]) => registryKey(host) === wanted)?.[1];
  if (!entry) throw new CredentialsError('SecretNotFound', `Secret ${name} has no credentials for ${server}.`);
  if (entry.username !== undefined && entry.password !== undefined) {
    return { username: entry.username, password: entry.password };
  }
  const decoded = Buffer.from(entry.auth ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0)
    throw new CredentialsError('InvalidSecret', `Secret ${name} has an entry for ${server} without credentials.`);
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The address Docker expects: host[:port], or Docker Hub's historical index URL. */
export function serverAddress(server: string): string {
  const key = registryKey(server);
  return key === DOCKER_HUB ? 'https://index.docker.io/v1/' : key;
}
