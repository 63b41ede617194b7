// The ImageBuild's marks on what it makes: labels on the images it builds, by which deleting the
// ImageBuild finds its local images. Ours win over the user's labels of the same key.
import type { ImageBuild } from '../../api/image-build.ts';

export const BUILD_LABELS = {
  uid: 'nativecontainer.io/imagebuild-uid',
  namespace: 'nativecontainer.io/imagebuild-namespace',
  name: 'nativecontainer.io/imagebuild-name',
} as const;

/** The OCI annotation key that spec.description becomes. */
export const DESCRIPTION_LABEL = 'org.opencontainers.image.description';

export function ownerSelector(ib: ImageBuild): Record<string, string> {
  return { [BUILD_LABELS.uid]: ib.metadata.uid ?? '' };
}

export function imageLabels(ib: ImageBuild): Record<string, string> {
  return {
    ...ib.spec.labels,
    ...(ib.spec.description !== undefined ? { [DESCRIPTION_LABEL]: ib.spec.description } : {}),
    [BUILD_LABELS.uid]: ib.metadata.uid ?? '',
    [BUILD_LABELS.namespace]: ib.metadata.namespace ?? 'default',
    [BUILD_LABELS.name]: ib.metadata.name,
  };
}
