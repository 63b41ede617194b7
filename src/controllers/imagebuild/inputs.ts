// What a build needs, resolved from the informer caches (pure): the Dockerfile, the extra files
// of the context, the push credentials and those for base images. A missing reference is an
// UnresolvedReferenceError with a reason, as for a NativeContainer; the watches requeue the
// ImageBuild when the object appears.
// Guarantee: credentials go only to the registry their ContainerSecret names.
import { createHash } from 'node:crypto';
import { secretBytes } from '../../api/core.ts';
import type { ContextFile as ContextFileSpec, ImageBuild } from '../../api/image-build.ts';
import { imageRegistry, registryKey } from '../../api/image-reference.ts';
import type { RegistryAuth } from '../../backend/container-backend.ts';
import {
  credentialsFor,
  findContainerSecret,
  UnresolvedReferenceError,
  type ReferenceLookup,
  type ReferenceReason,
} from '../nativecontainer/references.ts';
import type { ContextFile } from './context-archive.ts';

/** What a build's inputs can lack: a NativeContainer's reasons, less the one of its ImageBuild. */
export type InputReason = Exclude<ReferenceReason, 'ImageBuildPending'>;

export function isInputError(err: unknown): err is UnresolvedReferenceError & { reason: InputReason } {
  return err instanceof UnresolvedReferenceError && err.reason !== 'ImageBuildPending';
}

export interface BuildInputs {
  dockerfile: string;
  files: ContextFile[];
  pushAuth: RegistryAuth;
  baseAuths: RegistryAuth[];
}

export function resolveInputs(ib: ImageBuild, lookup: ReferenceLookup): BuildInputs {
  const namespace = ib.metadata.namespace ?? 'default';
  const { spec } = ib;
  const pushAuth = credentials(spec.secretRef.name, namespace, lookup);
  if (pushAuth.server !== imageRegistry(spec.image)) {
    throw new UnresolvedReferenceError(
      'InvalidSpec',
      `ContainerSecret ${spec.secretRef.name} is for ${pushAuth.server}, but the image is pushed to ${imageRegistry(spec.image)}; its credentials are not sent to another registry.`,
    );
  }
  return {
    dockerfile: dockerfileOf(ib, namespace, lookup),
    files: (spec.context ?? []).map((f) => ({
      path: f.path,
      mode: f.mode ?? 0o644,
      content: contextValue(f, namespace, lookup),
    })),
    pushAuth: pushAuth.auth,
    baseAuths: (spec.registryAuths ?? []).map((r) => credentials(r.name, namespace, lookup).auth),
  };
}

function dockerfileOf(ib: ImageBuild, namespace: string, lookup: ReferenceLookup): string {
  const from = ib.spec.dockerfileFrom;
  if (!from) return ib.spec.dockerfile ?? '';
  const value = lookup.configMap(namespace, from.name)?.data?.[from.key];
  if (value === undefined) throw missingConfigMapKey('dockerfileFrom', from, lookup.configMap(namespace, from.name));
  return value;
}

function contextValue(f: ContextFileSpec, namespace: string, lookup: ReferenceLookup): Buffer {
  return f.configMapKeyRef
    ? fromConfigMap(f.path, f.configMapKeyRef, namespace, lookup)
    : fromSecret(f.path, f.secretKeyRef!, namespace, lookup);
}

function fromConfigMap(path: string, ref: KeyRef, namespace: string, lookup: ReferenceLookup): Buffer {
  const map = lookup.configMap(namespace, ref.name);
  const text = map?.data?.[ref.key];
  if (text !== undefined) return Buffer.from(text, 'utf8');
  const binary = map?.binaryData?.[ref.key];
  if (binary !== undefined) return Buffer.from(binary, 'base64');
  throw missingConfigMapKey(`context ${path}`, ref, map);
}

function fromSecret(path: string, ref: KeyRef, namespace: string, lookup: ReferenceLookup): Buffer {
  const secret = lookup.secret(namespace, ref.name);
  const content = secret && secretBytes(secret, ref.key);
  if (content !== undefined) return content;
  const why = secret ? `Secret ${ref.name} has no key ${ref.key}` : `Secret ${ref.name} not found`;
  throw new UnresolvedReferenceError('SecretNotFound', `context ${path}: ${why}.`);
}

type KeyRef = { name: string; key: string };

function missingConfigMapKey(what: string, ref: KeyRef, map: unknown): UnresolvedReferenceError {
  const why = map ? `ConfigMap ${ref.name} has no key ${ref.key}` : `ConfigMap ${ref.name} not found`;
  return new UnresolvedReferenceError('ConfigMapNotFound', `${what}: ${why}.`);
}

function credentials(name: string, namespace: string, lookup: ReferenceLookup): { server: string; auth: RegistryAuth } {
  const csec = findContainerSecret(name, namespace, lookup);
  return { server: registryKey(csec.spec.server), auth: credentialsFor(csec, lookup) };
}

/** Names of the Secrets, ConfigMaps and ContainerSecrets an ImageBuild refers to, for requeueing it. */
export function buildReferences(ib: ImageBuild): {
  secrets: string[];
  configMaps: string[];
  containerSecrets: string[];
} {
  const spec = ib.spec ?? {};
  const context = spec.context ?? [];
  return {
    secrets: context.flatMap((f) => (f.secretKeyRef ? [f.secretKeyRef.name] : [])),
    configMaps: [
      ...(spec.dockerfileFrom ? [spec.dockerfileFrom.name] : []),
      ...context.flatMap((f) => (f.configMapKeyRef ? [f.configMapKeyRef.name] : [])),
    ],
    containerSecrets: [
      ...(spec.secretRef ? [spec.secretRef.name] : []),
      ...(spec.registryAuths ?? []).map((r) => r.name),
    ],
  };
}

/**
 * The versions of everything the build reads from the API (the ContainerSecrets' own Secrets
 * included), hashed: equal as long as none of them changed, and without a single value in it.
 */
export function inputsVersion(ib: ImageBuild, lookup: ReferenceLookup): string {
  const ns = ib.metadata.namespace ?? 'default';
  const refs = buildReferences(ib);
  const csecs = refs.containerSecrets.map((n) => [n, lookup.containerSecret(ns, n)] as const);
  const csecSecrets = csecs.flatMap(([, c]) =>
    [c?.spec.passwordSecretRef?.name, c?.spec.dockerConfigSecretRef?.name].filter((n) => n !== undefined),
  );
  const version = (o: { metadata: { resourceVersion?: string } } | undefined): string =>
    o?.metadata.resourceVersion ?? 'absent';
  const parts = [
    ...[...refs.secrets, ...csecSecrets].map((n) => `Secret/${n}@${version(lookup.secret(ns, n))}`),
    ...refs.configMaps.map((n) => `ConfigMap/${n}@${version(lookup.configMap(ns, n))}`),
    // The generation, not the resourceVersion: a ContainerSecret's status moves on its own.
    ...csecs.map(([n, c]) => `ContainerSecret/${n}@${c ? String(c.metadata.generation) : 'absent'}`),
  ].sort();
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}
