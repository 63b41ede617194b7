// Docker image references: which part is the registry, which the tag, and what that implies.
// The grammar itself is validated by the CRD's CEL rule on spec.image (mirrored in
// cel-mirrors.ts); this module only splits references that passed it.
import type { PullPolicy } from './native-container.ts';

export interface ImageReference {
  /** Registry host[:port] as written; undefined means Docker Hub. */
  registry?: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export const DOCKER_HUB = 'docker.io';

/**
 * Splits a reference the way Docker does: the first path component is a registry when it
 * contains '.' or ':', is "localhost", or has upper-case letters.
 */
export function parseImageReference(image: string): ImageReference {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? undefined : image.slice(at + 1);
  const colon = name.lastIndexOf(':');
  const hasTag = colon > name.lastIndexOf('/');
  const untagged = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  const slash = untagged.indexOf('/');
  const first = slash < 0 ? '' : untagged.slice(0, slash);
  const isRegistry = slash >= 0 && isRegistryComponent(first);
  return {
    ...(isRegistry ? { registry: first } : {}),
    repository: isRegistry ? untagged.slice(slash + 1) : untagged,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

function isRegistryComponent(s: string): boolean {
  return s.includes('.') || s.includes(':') || s === 'localhost' || s.toLowerCase() !== s;
}

/** A reference without a tag or digest means :latest, as in Docker. */
export function normalizeImage(image: string): string {
  const ref = parseImageReference(image);
  return ref.tag !== undefined || ref.digest !== undefined ? image : `${image}:latest`;
}

/** Kubernetes' rule: Always for :latest or no tag (and no digest), IfNotPresent otherwise. */
export function defaultPullPolicy(image: string): PullPolicy {
  const ref = parseImageReference(image);
  if (ref.digest !== undefined) return 'IfNotPresent';
  return ref.tag === undefined || ref.tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/**
 * The registry a reference or a ContainerSecret server names, comparable between the two:
 * lower-case host[:port], scheme and path dropped, every spelling of Docker Hub as docker.io.
 */
export function registryKey(server: string): string {
  const host = server
    .replace(/^https?:\/\//i, '')
    .split('/')[0]!
    .toLowerCase();
  const hub = ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'];
  return hub.includes(host) ? DOCKER_HUB : host;
}

/** The registry key of an image reference. */
export function imageRegistry(image: string): string {
  return registryKey(parseImageReference(image).registry ?? DOCKER_HUB);
}

/** The repository of a reference as written, its tag and digest dropped: what RepoDigests begin with. */
export function repositoryOf(image: string): string {
  const name = image.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** The reference by digest of an image pushed as `image` (its tag dropped): repo@sha256:... */
export function withDigest(image: string, digest: string): string {
  return `${repositoryOf(image)}@${digest}`;
}

/**
 * A name for an image to make (a commit): registry host[:port]/ optional, lowercase path
 * components, an optional tag, no digest. The grammar of ImageBuild's spec.image (its CRD rule),
 * which is Docker's; a unit test keeps the two the same.
 */
const NEW_IMAGE_NAME =
  /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(:[0-9]+)?\/)?[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?$/u;

export function isNewImageName(image: string): boolean {
  return NEW_IMAGE_NAME.test(image);
}
