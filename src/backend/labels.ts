// The Docker labels and names that tie containers and volumes to their owning resource. After
// any crash the operator rebuilds its picture from these alone, so they must be on everything
// it creates.
const PREFIX = 'nativecontainer.io';

export const LABELS = {
  managedBy: `${PREFIX}/managed-by`,
  ownerUid: `${PREFIX}/owner-uid`,
  ownerNamespace: `${PREFIX}/owner-namespace`,
  ownerName: `${PREFIX}/owner-name`,
  configHash: `${PREFIX}/config-hash`,
  /** The spec.rebuildRequest the container was built for, so a plan can say why it rebuilds. */
  rebuildRequest: `${PREFIX}/rebuild-request`,
  description: `${PREFIX}/description`,
  /** On volumes: the volume's name in the spec, and whether it goes with the resource. */
  volume: `${PREFIX}/volume`,
  autoDelete: `${PREFIX}/auto-delete`,
} as const;

export const MANAGED_BY = 'native-container-operator';

export interface Owner {
  uid: string;
  namespace: string;
  name: string;
}

export function ownerLabels(owner: Owner): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.ownerUid]: owner.uid,
    [LABELS.ownerNamespace]: owner.namespace,
    [LABELS.ownerName]: owner.name,
  };
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
 * "nc_<namespace>_<name>" is unique per resource, and Docker's refusal of a second container
 * of the same name is the last guard against duplicates.
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
