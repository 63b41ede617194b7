// The ImageBuild controller as the manager knows it: it runs the builds, with at most
// `buildsPerHost` at once on one Docker host, and watches the ConfigMaps, Secrets and
// ContainerSecrets a build refers to (through field indexes).
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import { CONFIG_MAP, CONTAINER_SECRET, IMAGE_BUILD, SECRET } from '../../api/group.ts';
import type { ImageBuild } from '../../api/image-build.ts';
import type { HostPool } from '../../backend/hosts.ts';
import type { ImageBuilder } from '../../backend/image-builder.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { Manager } from '../../runtime/manager.ts';
import { OwnWrites } from '../../runtime/own-writes.ts';
import { Slots } from '../../runtime/slots.ts';
import { BY_CONFIG_MAP, BY_CONTAINER_SECRET, BY_SECRET } from '../indexes.ts';
import { referenceLookup } from '../nativecontainer/controller.ts';
import { DEFAULT_HOST } from '../nativecontainer/identity.ts';
import { ImageBuildReconciler, type BuildEngine } from './reconcile.ts';

export const CONTROLLER_NAME = 'imagebuild';

export interface ImageBuildControllerOptions {
  manager: Manager;
  client: KubeClient;
  events: EventRecorder;
  hosts: HostPool;
  /** The builder of each host, by host name. */
  builders: Map<string, ImageBuilder>;
  buildsPerHost: number;
  registry: Registry;
  workers: number;
  log: Logger;
}

export function registerImageBuildController(o: ImageBuildControllerOptions): void {
  const { manager } = o;
  const builds = manager.informer<ImageBuild>(IMAGE_BUILD);
  const finished = new Counter({
    name: 'nco_image_builds_total',
    help: 'ImageBuild builds that ended, by result and reason',
    labelNames: ['result', 'reason'],
    registers: [o.registry],
  });
  const duration = new Histogram({
    name: 'nco_image_build_duration_seconds',
    help: 'Duration of ImageBuild builds from start to push (or failure)',
    labelNames: ['result'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers: [o.registry],
  });
  const engines = new Map<string, BuildEngine>();
  for (const host of o.hosts.all()) {
    const builder = o.builders.get(host.name);
    if (builder) engines.set(host.name, { host, builder, slots: new Slots(o.buildsPerHost) });
  }
  const reconciler = new ImageBuildReconciler({
    client: o.client,
    events: o.events,
    get: (key) => builds.get(key),
    written: new OwnWrites<ImageBuild>(),
    refs: referenceLookup(manager),
    // Placement on hosts comes with ContainerHosts; until then every build runs on the default one.
    engine: () => {
      const engine = engines.get(DEFAULT_HOST);
      if (!engine) throw new Error(`no image builder for host ${DEFAULT_HOST}`);
      return engine;
    },
    onFinished: (result, reason, seconds) => {
      finished.inc({ result, reason });
      duration.observe({ result }, seconds);
    },
  });
  builds.onChange((key, obj) => reconciler.supersede(key, obj));
  manager.add({
    name: CONTROLLER_NAME,
    for: IMAGE_BUILD,
    watches: [
      {
        kind: SECRET,
        // In the context, or through a ContainerSecret whose password it holds.
        map: (key) => [
          ...manager.byIndex(IMAGE_BUILD, BY_SECRET, key),
          ...manager
            .byIndex(CONTAINER_SECRET, BY_SECRET, key)
            .flatMap((c) => manager.byIndex(IMAGE_BUILD, BY_CONTAINER_SECRET, c)),
        ],
      },
      { kind: CONFIG_MAP, map: (key) => manager.byIndex(IMAGE_BUILD, BY_CONFIG_MAP, key) },
      { kind: CONTAINER_SECRET, map: (key) => manager.byIndex(IMAGE_BUILD, BY_CONTAINER_SECRET, key) },
    ],
    reconcile: reconciler.reconcile,
    // A build waiting for a slot holds a worker: one more than the slots keeps the others moving.
    workers: Math.max(o.workers, o.buildsPerHost * engines.size + 1),
  });
}
