// Host ports between resources (pure). Docker refuses a second container on a host port only
// when both run and only in a network mode that publishes ports (never with NetworkMode none,
// where the ports are still recorded), and then only at start, after the container was created.
// So the operator checks itself, before it creates a container: a host port already published by
// another resource's container on the same Docker host, whatever that container is doing, belongs
// to that resource, and the newcomer waits with reason HostPortConflict instead of taking it
// whenever the other happens to be stopped.
import type { ObservedContainer, PortMapping } from '../../backend/container-backend.ts';
import { ownerKey } from './identity.ts';

/** Addresses that mean "every address of the host". */
const ANY = new Set(['', '0.0.0.0', '::']);

function overlaps(a: PortMapping, b: PortMapping): boolean {
  if (a.hostPort === undefined || a.hostPort !== b.hostPort || a.protocol !== b.protocol) return false;
  const [ipA, ipB] = [a.hostIP ?? '', b.hostIP ?? ''];
  return ANY.has(ipA) || ANY.has(ipB) || ipA === ipB;
}

/**
 * The message for the first host port of `ports` that a container of another resource (not
 * `key`) already publishes, or undefined when there is none.
 */
export function hostPortConflict(
  ports: readonly PortMapping[],
  others: readonly ObservedContainer[],
  key: string,
  host: string,
): string | undefined {
  for (const c of others) {
    const owner = ownerKey(c.labels);
    if (owner === key) continue;
    for (const mine of ports) {
      const theirs = (c.ports ?? []).find((p) => overlaps(mine, p));
      if (!theirs) continue;
      const where = mine.hostIP ? `${mine.hostIP}:` : '';
      return (
        `Host port ${where}${mine.hostPort}/${mine.protocol} is already published by ` +
        `NativeContainer ${owner ?? c.name} (container ${c.id.slice(0, 12)}) on Docker host ${host}. ` +
        `Choose another hostPort, or remove the port there; this resource is retried meanwhile.`
      );
    }
  }
  return undefined;
}
