// Observation: the one place the controller reads the backend before planning.
import type { NativeContainer } from '../../api/native-container.ts';
import type { ContainerBackend, ObservedContainer } from '../../backend/container-backend.ts';
import { LABELS } from '../../backend/labels.ts';

export interface Observed {
  /** Containers labelled with this resource's UID. More than one is a fault the plan repairs. */
  owned: ObservedContainer[];
  /** Containers labelled with this namespace/name but another UID: left by an earlier resource of the same name. */
  stale: ObservedContainer[];
  imagePresent: boolean;
}

export async function observe(backend: ContainerBackend, nc: NativeContainer, image: string): Promise<Observed> {
  const { namespace = 'default', name, uid } = nc.metadata;
  const [byName, imagePresent] = await Promise.all([
    backend.list({ [LABELS.ownerNamespace]: namespace, [LABELS.ownerName]: name }),
    backend.imagePresent(image),
  ]);
  return {
    owned: byName.filter((c) => c.labels[LABELS.ownerUid] === uid),
    stale: byName.filter((c) => c.labels[LABELS.ownerUid] !== uid),
    imagePresent,
  };
}
