// The ContainerSecret controller as the manager knows it: it checks the credentials of each
// ContainerSecret through an engine and watches the Secrets they are read from.
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { ContainerSecret } from '../../api/container-secret.ts';
import type { Secret } from '../../api/core.ts';
import { CONTAINER_SECRET, SECRET } from '../../api/group.ts';
import type { HostPool } from '../../backend/hosts.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { Manager } from '../../runtime/manager.ts';
import { BY_SECRET } from '../indexes.ts';
import { ContainerSecretReconciler } from './reconcile.ts';

export const CONTROLLER_NAME = 'containersecret';

export interface ContainerSecretControllerOptions {
  manager: Manager;
  client: KubeClient;
  events: EventRecorder;
  hosts: HostPool;
  registry: Registry;
  workers: number;
  log: Logger;
}

export function registerContainerSecretController(o: ContainerSecretControllerOptions): void {
  const { manager } = o;
  const csecs = manager.informer<ContainerSecret>(CONTAINER_SECRET);
  const secrets = manager.informer<Secret>(SECRET);
  const checks = new Counter({
    name: 'nco_registry_checks_total',
    help: 'Checks of ContainerSecret credentials at their registry, by verdict',
    labelNames: ['reason'],
    registers: [o.registry],
  });
  const reconciler = new ContainerSecretReconciler({
    client: o.client,
    // The engines are what pull, so their view of the registry is the one that counts.
    engine: () => o.hosts.all().find((h) => h.reflector.isAvailable())?.backend,
    events: o.events,
    get: (key) => csecs.get(key),
    secret: (ns, name) => secrets.get(`${ns}/${name}`),
    onVerdict: (reason) => checks.inc({ reason }),
  });
  manager.add({
    name: CONTROLLER_NAME,
    for: CONTAINER_SECRET,
    watches: [{ kind: SECRET, map: (key) => manager.byIndex(CONTAINER_SECRET, BY_SECRET, key) }],
    reconcile: reconciler.reconcile,
    workers: Math.max(1, Math.min(o.workers, 2)),
  });
}
