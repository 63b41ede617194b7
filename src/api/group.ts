// Names of the API group and its resources, in one place.
export const GROUP = 'nativecontainer.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export interface ResourceKind {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

export const NATIVE_CONTAINER: ResourceKind = {
  group: GROUP,
  version: VERSION,
  plural: 'nativecontainers',
  kind: 'NativeContainer',
};

/** Finalizer that makes deletion remove the container before the resource goes away. */
export const CONTAINER_FINALIZER = `${GROUP}/container`;
