// What the NativeContainer controller measures of its own domain, on the runtime's registry:
// the containers the hosts' caches hold, Docker operations, drift repairs, orphans removed, and
// the state of each host's engine connection.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { HostPool } from '../../backend/hosts.ts';
import type { Reflector } from '../../backend/reflector.ts';

export interface NativeContainerMetrics {
  dockerOperations: Counter<'host' | 'operation' | 'result'>;
  driftRepairs: Counter<'cause'>;
  orphansRemoved: Counter;
}

export function registerNativeContainerMetrics(registry: Registry, hosts: HostPool): NativeContainerMetrics {
  new Gauge({
    name: 'nco_managed_containers',
    help: 'Docker containers carrying the operator labels, by host and Docker state (from the hosts caches)',
    labelNames: ['host', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const host of hosts.all()) {
        for (const c of host.reflector.all()) this.inc({ host: host.name, state: c.state });
      }
    },
  });
  new Gauge({
    name: 'nco_docker_available',
    help: 'Whether the host engine answers and its cache is current (1) or not (0)',
    labelNames: ['host'],
    registers: [registry],
    collect() {
      for (const host of hosts.all()) this.set({ host: host.name }, host.reflector.isAvailable() ? 1 : 0);
    },
  });
  mirrorCounter(
    registry,
    hosts,
    'nco_docker_event_streams_total',
    'Docker event subscriptions opened per host (the first, and one per reconnect)',
    (s) => s.connects,
  );
  mirrorCounter(
    registry,
    hosts,
    'nco_docker_inspects_total',
    'Container inspects made by the hosts caches (relists and refreshes)',
    (s) => s.inspects,
  );
  return {
    dockerOperations: new Counter({
      name: 'nco_docker_operations_total',
      help: 'Docker operations by host, type and result',
      labelNames: ['host', 'operation', 'result'],
      registers: [registry],
    }),
    driftRepairs: new Counter({
      name: 'nco_drift_repairs_total',
      help: 'Reconciles that changed a container which had drifted from its spec, by cause',
      labelNames: ['cause'],
      registers: [registry],
    }),
    orphansRemoved: new Counter({
      name: 'nco_orphan_containers_removed_total',
      help: 'Containers with operator labels and no owning resource that were removed',
      registers: [registry],
    }),
  };
}

/** A counter that follows one of each host reflector's own counters at scrape time. */
function mirrorCounter(
  registry: Registry,
  hosts: HostPool,
  name: string,
  help: string,
  read: (stats: Reflector['stats']) => number,
): void {
  const seen = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: ['host'],
    registers: [registry],
    collect() {
      for (const host of hosts.all()) {
        const now = read(host.reflector.stats);
        this.inc({ host: host.name }, Math.max(0, now - (seen.get(host.name) ?? 0)));
        seen.set(host.name, now);
      }
    },
  });
}
