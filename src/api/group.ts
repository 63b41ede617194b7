// Names of the API group and its resources, in one place.
import type { NativeContainer } from './native-container.ts';
export const GROUP = 'nativecontainer.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface ResourceKind {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
  /** Cluster-scoped: listed and watched over all namespaces whatever the operator watches. */
  readonly clusterScoped?: boolean;
}

export const NATIVE_CONTAINER: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: 'nativecontainers',
  kind: 'NativeContainer',
};

/**
 * The resource with its apiVersion and kind, which the items of a list do not carry; an Event
 * names the object it is about by them.
 */
export function withKind(nc: NativeContainer): NativeContainer {
  return { ...nc, apiVersion: nc.apiVersion ?? API_VERSION, kind: NATIVE_CONTAINER.kind };
}

export const CONTAINER_SECRET: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: 'containersecrets',
  kind: 'ContainerSecret',
};

export const IMAGE_BUILD: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: 'imagebuilds',
  kind: 'ImageBuild',
};

export const NATIVE_CONTAINER_POLICY: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: 'nativecontainerpolicies',
  kind: 'NativeContainerPolicy',
  clusterScoped: true,
};

export const NAMESPACE: ResourceKind = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  kind: 'Namespace',
  clusterScoped: true,
};
export const CONTAINER_HOST: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: 'containerhosts',
  kind: 'ContainerHost',
  clusterScoped: true,
};

/** Path of one cluster-scoped object of a kind. */
export function clusterObjectPath(kind: ResourceKind, name: string): string {
  return `${apiPrefix(kind)}/${kind.plural}/${name}`;
}

export const SECRET: ResourceKind = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret' };
export const CONFIG_MAP: ResourceKind = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };

/** /api/v1 for the core group, /apis/group/version otherwise. */
export function apiPrefix(kind: ResourceKind): string {
  return kind.group === '' ? `/api/${kind.version}` : `/apis/${kind.group}/${kind.version}`;
}

/** Finalizer that makes deletion remove the container before the resource goes away. */
export const CONTAINER_FINALIZER = `${GROUP}/container`;

/** Finalizer that makes deletion remove the local images of an ImageBuild's builds first. */
export const IMAGE_BUILD_FINALIZER = `${GROUP}/build-images`;

/** Collection path of a kind over all namespaces, as the informers list and watch it. */
export function collectionPath(kind: ResourceKind): string {
  return `${apiPrefix(kind)}/${kind.plural}`;
}

/** Path of one namespaced object of a kind. */
export function objectPath(kind: ResourceKind, namespace: string, name: string): string {
  return `${apiPrefix(kind)}/namespaces/${namespace}/${kind.plural}/${name}`;
}
