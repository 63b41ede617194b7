// Builders for unit tests: resources and observed containers with sensible defaults.
import type { NativeContainer, NativeContainerSpec } from '../../src/api/native-container.ts';
import type { ContainerRunState, ObservedContainer } from '../../src/backend/container-backend.ts';
import { LABELS } from '../../src/backend/labels.ts';

export function nativeContainer(
  spec: Partial<NativeContainerSpec> = {},
  meta: Partial<NativeContainer['metadata']> = {},
): NativeContainer {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name: 'web', namespace: 'team-a', uid: 'uid-1', generation: 1, ...meta },
    spec: { image: 'nco-test/busybox:1', ...spec },
  };
}

export interface ContainerExtra extends Partial<Omit<ObservedContainer, 'id' | 'state' | 'labels'>> {
  uid?: string;
  labels?: Record<string, string>;
}

export function container(
  id: string,
  state: ContainerRunState,
  hash: string,
  extra: ContainerExtra = {},
): ObservedContainer {
  const { uid, labels, ...rest } = extra;
  return {
    id,
    name: 'nc_team-a_web',
    image: 'nco-test/busybox:1',
    imageId: 'sha256:abc',
    state,
    labels: { [LABELS.ownerUid]: uid ?? 'uid-1', [LABELS.configHash]: hash, ...labels },
    restartPolicy: { name: 'always', maximumRetryCount: 0 },
    resources: {},
    ...rest,
  };
}
