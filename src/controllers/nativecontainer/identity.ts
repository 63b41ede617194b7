// The identity of a NativeContainer's Docker objects: the labels and names that tie containers
// and volumes to their owning resource and host. After any crash the operator rebuilds its whole
// picture from these alone, so they are on everything it creates; this module is the one place
// that writes and reads them.
//
// Compatibility: containers made before the owner kind and host labels existed have neither;
// they read as a NativeContainer's on the default host. Neither label enters the config hash, so
// an upgrade does not recreate them.
import { splitKey } from '../../api/object.ts';

const PREFIX = 'nativecontainer.io';

export const LABELS = {
  managedBy: `${PREFIX}/managed-by`,
  ownerKind: `${PREFIX}/owner-kind`,
  ownerUid: `${PREFIX}/owner-uid`,
  ownerNamespace: `${PREFIX}/owner-namespace`,
  ownerName: `${PREFIX}/owner-name`,
  /** The ContainerHost the container was placed on. */
  host: `${PREFIX}/host`,
  /** How often the resource was placed when the container was made (status.placementGeneration). */
  placementGeneration: `${PREFIX}/placement-generation`,
  configHash: `${PREFIX}/config-hash`,
  /** The spec.rebuildRequest the container was built for, so a plan can say why it rebuilds. */
  rebuildRequest: `${PREFIX}/rebuild-request`,
  description: `${PREFIX}/description`,
  /** On volumes: the volume's name in the spec, and whether it goes with the resource. */
  volume: `${PREFIX}/volume`,
  autoDelete: `${PREFIX}/auto-delete`,
} as const;

export const MANAGED_BY = 'native-container-operator';
export const OWNER_KIND = 'NativeContainer';
/** The host of a single-host install: the operator's own DOCKER_HOST. */
export const DEFAULT_HOST = 'local';

/** The labels every managed object carries: what the reflector lists and watches. */
export const MANAGED_SELECTOR: Record<string, string> = { [LABELS.managedBy]: MANAGED_BY };

export interface Owner {
  uid: string;
  namespace: string;
  name: string;
  host: string;
}

export function ownerLabels(owner: Owner): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.ownerKind]: OWNER_KIND,
    [LABELS.ownerUid]: owner.uid,
    [LABELS.ownerNamespace]: owner.namespace,
    [LABELS.ownerName]: owner.name,
    [LABELS.host]: owner.host,
  };
}

/**
 * The key ("namespace/name") of the NativeContainer a container belongs to, from its labels;
 * undefined for containers of other kinds or without our labels.
 */
export function ownerKey(labels: Record<string, string>): string | undefined {
  if (labels[LABELS.managedBy] !== MANAGED_BY) return undefined;
  const kind = labels[LABELS.ownerKind] ?? OWNER_KIND;
  if (kind !== OWNER_KIND) return undefined;
  const namespace = labels[LABELS.ownerNamespace];
  const name = labels[LABELS.ownerName];
  return namespace && name ? `${namespace}/${name}` : undefined;
}

/** The host a container says it was placed on. */
export function hostOf(labels: Record<string, string>): string {
  return labels[LABELS.host] ?? DEFAULT_HOST;
}

/** Labels that find every volume of a resource (any UID: a kept volume is mounted again by a new resource). */
export function volumeSelector(key: string): Record<string, string> {
  const { namespace = 'default', name } = splitKey(key);
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.ownerNamespace]: namespace, [LABELS.ownerName]: name };
}

/**
 * Labels of a resource's volumes. No UID: a volume kept after its resource was deleted
 * (autoDelete false) is mounted again by a new resource of the same name.
 */
export function volumeLabels(
  namespace: string,
  name: string,
  volume: string,
  autoDelete: boolean,
): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.ownerNamespace]: namespace,
    [LABELS.ownerName]: name,
    [LABELS.volume]: volume,
    [LABELS.autoDelete]: String(autoDelete),
  };
}

/**
 * The Docker name of a resource's container. '_' cannot occur in Kubernetes names, so
 * "nc_<namespace>_<name>" is unique per resource on one engine, and the engine's refusal of a
 * second container of the same name is the last guard against duplicates. Names are per engine:
 * copies on two hosts are told apart by the host label.
 */
export function containerName(namespace: string, name: string): string {
  return `nc_${namespace}_${name}`;
}

/** The name a rebuilt container has until the old one is gone and it is renamed. */
export function nextContainerName(namespace: string, name: string): string {
  return `${containerName(namespace, name)}_next`;
}

/** The Docker name of one of a resource's volumes; unique for the same reason as containerName. */
export function volumeName(namespace: string, name: string, volume: string): string {
  return `${containerName(namespace, name)}_${volume}`;
}
