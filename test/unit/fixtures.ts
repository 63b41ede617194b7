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

export function container(
  id: string,
  state: ContainerRunState,
  hash: string,
  extra: { uid?: string; startedAt?: string } = {},
): ObservedContainer {
  return {
    id,
    name: 'nc_team-a_web',
    image: 'nco-test/busybox:1',
    imageId: 'sha256:abc',
    state,
    labels: { [LABELS.ownerUid]: extra.uid ?? 'uid-1', [LABELS.configHash]: hash },
    ...(extra.startedAt ? { startedAt: extra.startedAt } : {}),
  };
}
