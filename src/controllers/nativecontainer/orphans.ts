// Containers that carry our labels but whose resource no longer exists, for instance because
// the resource's finalizer was removed by hand while the operator was down. They are removed:
// nothing else would ever clean them up.
import type { Logger } from 'pino';
import type { ContainerBackend, ObservedContainer } from '../../backend/container-backend.ts';
import { LABELS, MANAGED_BY } from '../../backend/labels.ts';

/** The key ("namespace/name") of the resource a container belongs to, from its labels. */
export function ownerKey(labels: Record<string, string>): string | undefined {
  if (labels[LABELS.managedBy] !== MANAGED_BY) return undefined;
  const namespace = labels[LABELS.ownerNamespace];
  const name = labels[LABELS.ownerName];
  return namespace && name ? `${namespace}/${name}` : undefined;
}

export interface OrphanScope {
  /** True when the resource with this key exists (the informer cache must have synced). */
  exists: (key: string) => boolean;
  /** True when this operator instance is responsible for the namespace. */
  watches: (namespace: string) => boolean;
}

/** Managed containers whose owner is in scope but does not exist. */
export function findOrphans(containers: readonly ObservedContainer[], scope: OrphanScope): ObservedContainer[] {
  return containers.filter((c) => {
    const key = ownerKey(c.labels);
    const namespace = c.labels[LABELS.ownerNamespace];
    return key !== undefined && namespace !== undefined && scope.watches(namespace) && !scope.exists(key);
  });
}

export interface OrphanPass {
  managed: ObservedContainer[];
  removed: ObservedContainer[];
}

/** Lists every managed container and removes the orphans among them (gracefully, then for good). */
export async function collectOrphans(
  backend: ContainerBackend,
  scope: OrphanScope,
  log: Logger,
  stopTimeoutSeconds: number,
): Promise<OrphanPass> {
  const managed = await backend.list({ [LABELS.managedBy]: MANAGED_BY });
  const orphans = findOrphans(managed, scope);
  for (const c of orphans) {
    log.info({ container: c.id.slice(0, 12), name: c.name, owner: ownerKey(c.labels) }, 'removing orphaned container');
    if (c.state === 'running' || c.state === 'paused' || c.state === 'restarting')
      await backend.stop(c.id, stopTimeoutSeconds);
    await backend.remove(c.id);
  }
  return { managed, removed: orphans };
}
