// The ImageBuild's mark on what it makes: a label on the images it builds, by which deleting the
// ImageBuild finds its local images. One label only: the classic builder adds a step (and a
// container) per label. Ours wins over a user's label of the same key.
import type { ImageBuild } from '../../api/image-build.ts';

export const BUILD_LABELS = {
  uid: 'nativecontainer.io/imagebuild-uid',
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
  };
}
