// Observation: the one place the controller reads the backend before planning.
import type { NativeContainer } from '../../api/native-container.ts';
import type { ContainerBackend, ObservedContainer, ObservedVolume } from '../../backend/container-backend.ts';
import { LABELS } from '../../backend/labels.ts';

export interface Observed {
  /** Containers labelled with this resource's UID. More than one is a fault the plan repairs. */
  owned: ObservedContainer[];
  /** Containers labelled with this namespace/name but another UID: left by an earlier resource of the same name. */
  stale: ObservedContainer[];
  imagePresent: boolean;
  /** Volumes labelled with this namespace/name (any UID: kept volumes are mounted again). */
  volumes: ObservedVolume[];
}

export async function observe(backend: ContainerBackend, nc: NativeContainer, image: string): Promise<Observed> {
  const { namespace = 'default', name, uid } = nc.metadata;
  const byOwner = { [LABELS.ownerNamespace]: namespace, [LABELS.ownerName]: name };
  const [byName, imagePresent, volumes] = await Promise.all([
    backend.list(byOwner),
    backend.imagePresent(image),
    backend.listVolumes(byOwner),
  ]);
  return {
    owned: byName.filter((c) => c.labels[LABELS.ownerUid] === uid),
    stale: byName.filter((c) => c.labels[LABELS.ownerUid] !== uid),
    imagePresent,
    volumes,
  };
}
