// What a NativeContainer refers to, resolved from the informer caches (pure): env values from
// Secrets and ConfigMaps, and registry credentials through its ContainerSecret. A missing
// reference is a UnresolvedReferenceError with a condition reason; the informers requeue the resource
// when the referenced object appears or changes.
import type { ContainerSecret } from '../../api/container-secret.ts';
import { secretValue, type ConfigMap, type Secret } from '../../api/core.ts';
import type { ImageBuild } from '../../api/image-build.ts';
import { imageRegistry, registryKey } from '../../api/image-reference.ts';
import type { EnvVar, KeyRef, NativeContainer } from '../../api/native-container.ts';
import type { RegistryAuth } from '../../backend/container-backend.ts';
import { CredentialsError, credentialsOf } from '../containersecret/credentials.ts';

export interface ReferenceLookup {
  secret: (namespace: string, name: string) => Secret | undefined;
  configMap: (namespace: string, name: string) => ConfigMap | undefined;
  containerSecret: (namespace: string, name: string) => ContainerSecret | undefined;
  /** For spec.imageFrom; without it no ImageBuild is found. */
  imageBuild?: (namespace: string, name: string) => ImageBuild | undefined;
}

export type ReferenceReason = 'SecretNotFound' | 'ConfigMapNotFound' | 'InvalidSpec' | 'ImageBuildPending';

export class UnresolvedReferenceError extends Error {
  readonly reason: ReferenceReason;
  constructor(reason: ReferenceReason, message: string) {
    super(message);
    this.name = 'UnresolvedReferenceError';
    this.reason = reason;
  }
}

export interface Resolved {
  env: Record<string, string>;
  auth?: RegistryAuth;
}

export function resolveReferences(nc: NativeContainer, lookup: ReferenceLookup): Resolved {
  const namespace = nc.metadata.namespace ?? 'default';
  const env = Object.fromEntries((nc.spec.env ?? []).map((e) => [e.name, envValue(e, namespace, lookup)]));
  const auth = registryAuth(nc, namespace, lookup);
  return { env, ...(auth ? { auth } : {}) };
}

function envValue(e: EnvVar, namespace: string, lookup: ReferenceLookup): string {
  const from = e.valueFrom;
  if (from?.secretKeyRef) return fromSecret(e.name, from.secretKeyRef, namespace, lookup);
  if (from?.configMapKeyRef) return fromConfigMap(e.name, from.configMapKeyRef, namespace, lookup);
  return e.value ?? '';
}

function fromSecret(env: string, ref: KeyRef, namespace: string, lookup: ReferenceLookup): string {
  const { name, key, optional } = ref;
  const secret = lookup.secret(namespace, name);
  const value = secret ? secretValue(secret, key) : undefined;
  if (value !== undefined) return value;
  if (optional) return '';
  const why = secret ? `Secret ${name} has no key ${key}` : `Secret ${name} not found`;
  throw new UnresolvedReferenceError('SecretNotFound', `env ${env}: ${why}.`);
}

function fromConfigMap(env: string, ref: KeyRef, namespace: string, lookup: ReferenceLookup): string {
  const { name, key, optional } = ref;
  const map = lookup.configMap(namespace, name);
  const value = map?.data?.[key];
  if (value !== undefined) return value;
  if (optional) return '';
  const why = map ? `ConfigMap ${name} has no key ${key}` : `ConfigMap ${name} not found`;
  throw new UnresolvedReferenceError('ConfigMapNotFound', `env ${env}: ${why}.`);
}

/**
 * The resource as it runs: with spec.imageFrom, spec.image is the last image its ImageBuild pushed
 * (by digest) and, unless it names its own, spec.secretRef is the build's push ContainerSecret.
 * Throws ImageBuildPending while the build has pushed nothing (the ImageBuild's status changes
 * requeue the resource). Without imageFrom the resource is returned as it is.
 */
export function withBuiltImage(nc: NativeContainer, lookup: ReferenceLookup): NativeContainer {
  const from = nc.spec.imageFrom;
  if (!from) return nc;
  const namespace = nc.metadata.namespace ?? 'default';
  const build = lookup.imageBuild?.(namespace, from.imageBuild);
  if (!build)
    throw new UnresolvedReferenceError(
      'ImageBuildPending',
      `ImageBuild ${from.imageBuild} not found in namespace ${namespace}.`,
    );
  const image = build.status?.image;
  if (image === undefined)
    throw new UnresolvedReferenceError(
      'ImageBuildPending',
      `ImageBuild ${from.imageBuild} has not pushed an image yet.`,
    );
  const secretRef = nc.spec.secretRef ?? build.spec.secretRef;
  return { ...nc, spec: { ...nc.spec, image, secretRef } };
}

function registryAuth(nc: NativeContainer, namespace: string, lookup: ReferenceLookup): RegistryAuth | undefined {
  const ref = nc.spec.secretRef;
  return ref ? credentialsForImage(ref.name, namespace, nc.spec.image ?? '', lookup) : undefined;
}

/**
 * The credentials of a ContainerSecret of the namespace for `image`, which must be on the
 * ContainerSecret's registry: Docker would send them wherever the image is.
 */
export function credentialsForImage(
  name: string,
  namespace: string,
  image: string,
  lookup: ReferenceLookup,
): RegistryAuth {
  const csec = findContainerSecret(name, namespace, lookup);
  const registry = imageRegistry(image);
  if (registryKey(csec.spec.server) !== registry) {
    throw new UnresolvedReferenceError(
      'InvalidSpec',
      `ContainerSecret ${name} is for ${csec.spec.server}, but the image is on ${registry}; its credentials are not sent to another registry.`,
    );
  }
  return credentialsFor(csec, lookup);
}

/** A ContainerSecret of the namespace, or SecretNotFound. */
export function findContainerSecret(name: string, namespace: string, lookup: ReferenceLookup): ContainerSecret {
  const csec = lookup.containerSecret(namespace, name);
  if (!csec) {
    throw new UnresolvedReferenceError(
      'SecretNotFound',
      `ContainerSecret ${name} not found in namespace ${namespace}.`,
    );
  }
  return csec;
}

/** The credentials of a ContainerSecret, read from its Secret; what is missing or wrong as a reason. */
export function credentialsFor(csec: ContainerSecret, lookup: ReferenceLookup): RegistryAuth {
  try {
    return credentialsOf(csec, (ns, name) => lookup.secret(ns, name));
  } catch (err) {
    if (!(err instanceof CredentialsError)) throw err;
    const reason = err.reason === 'SecretNotFound' ? 'SecretNotFound' : 'InvalidSpec';
    throw new UnresolvedReferenceError(reason, `ContainerSecret ${csec.metadata.name}: ${err.message}`);
  }
}

/** Names of the Secrets, ConfigMaps and ContainerSecrets a resource refers to, for requeueing it. */
export function referencedNames(nc: NativeContainer): {
  secrets: string[];
  configMaps: string[];
  containerSecrets: string[];
  imageBuilds: string[];
} {
  const env = nc.spec?.env ?? [];
  return {
    secrets: env.flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])),
    configMaps: env.flatMap((e) => (e.valueFrom?.configMapKeyRef ? [e.valueFrom.configMapKeyRef.name] : [])),
    containerSecrets: nc.spec?.secretRef ? [nc.spec.secretRef.name] : [],
    imageBuilds: nc.spec?.imageFrom ? [nc.spec.imageFrom.imageBuild] : [],
  };
}
