// The Docker labels that tie a container to its owning resource. After any crash the operator
// rebuilds its picture from these alone, so they must be on every container it creates.
const PREFIX = 'nativecontainer.io';

export const LABELS = {
  managedBy: `${PREFIX}/managed-by`,
  ownerUid: `${PREFIX}/owner-uid`,
  ownerNamespace: `${PREFIX}/owner-namespace`,
  ownerName: `${PREFIX}/owner-name`,
  configHash: `${PREFIX}/config-hash`,
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
 * The Docker name of a resource's container. '_' cannot occur in Kubernetes names, so
 * "nc_<namespace>_<name>" is unique per resource, and Docker's refusal of a second container
 * of the same name is the last guard against duplicates.
 */
export function containerName(namespace: string, name: string): string {
  return `nc_${namespace}_${name}`;
}
