// Wiring of what NativeContainers refer to: informers of Secrets, ConfigMaps and ContainerSecrets
// (their caches answer the reconcilers' lookups), the ContainerSecret controller, and the
// requeueing of every resource that refers to an object when that object changes, so that
// fixing a Secret brings a container up without touching the NativeContainer.
//
// Caveat: the Secret informer caches every Secret of the watched namespaces, as
// controller-runtime's default cache does; its values are used for pulls and env, never logged.
import type { Logger } from 'pino';
import type { ContainerSecret } from '../api/container-secret.ts';
import type { ConfigMap, Secret } from '../api/core.ts';
import { CONTAINER_SECRET } from '../api/group.ts';
import type { NativeContainer } from '../api/native-container.ts';
import { objectKey, splitKey } from '../api/object.ts';
import type { ContainerBackend } from '../backend/container-backend.ts';
import { Controller } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { InformerGroup } from '../runtime/informer-group.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { WorkQueue } from '../runtime/work-queue.ts';
import { MeaningfulChanges } from './changes.ts';
import { ContainerSecretReconciler } from './containersecret/reconcile.ts';
import { referencedNames, type ReferenceLookup } from './nativecontainer/references.ts';

export interface ReferenceWiringOptions {
  client: KubeClient;
  backend: ContainerBackend;
  events: EventRecorder;
  log: Logger;
  /** Watched namespaces, as for NativeContainers; empty means all. */
  namespaces: readonly string[];
  idleTimeoutMs?: number;
  /** The NativeContainer cache and queue, to requeue resources whose references changed. */
  nativeContainers: { list(): NativeContainer[] };
  nativeContainerQueue: WorkQueue;
  workers: number;
  resyncMs: number;
}

export interface ReferenceWiring {
  refs: ReferenceLookup;
  /** Starts the informers (every replica keeps its caches warm). */
  start(): void;
  waitForSync(): Promise<void>;
  hasSynced(): boolean;
  /** Starts the ContainerSecret controller; only the leader writes status. */
  startController(): void;
  stop(timeoutMs: number): Promise<void>;
}

export function wireReferences(options: ReferenceWiringOptions): ReferenceWiring {
  const { client, log, namespaces } = options;
  const group = <T extends { metadata: { name: string } }>(apiPrefix: string, plural: string): InformerGroup<T> =>
    new InformerGroup<T>({
      client,
      apiPrefix,
      plural,
      namespaces,
      log,
      ...(options.idleTimeoutMs ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    });
  const secrets = group<Secret>('/api/v1', 'secrets');
  const configMaps = group<ConfigMap>('/api/v1', 'configmaps');
  const containerSecrets = group<ContainerSecret>(
    `/apis/${CONTAINER_SECRET.group}/${CONTAINER_SECRET.version}`,
    CONTAINER_SECRET.plural,
  );
  const get =
    <T extends { metadata: { name: string } }>(informers: InformerGroup<T>) =>
    (namespace: string, name: string) =>
      informers.get(`${namespace}/${name}`);
  const refs: ReferenceLookup = {
    secret: get(secrets),
    configMap: get(configMaps),
    containerSecret: get(containerSecrets),
  };

  const secretQueue = new WorkQueue();
  const reconciler = new ContainerSecretReconciler({
    client,
    backend: options.backend,
    events: options.events,
    get: (key) => containerSecrets.get(key),
    secret: refs.secret,
    resyncAfterMs: options.resyncMs,
  });
  const controller = new Controller({
    name: 'containersecret',
    queue: secretQueue,
    reconcile: reconciler.reconcile,
    log,
    workers: Math.max(1, Math.min(options.workers, 2)),
    keys: () => containerSecrets.keys(),
    resyncMs: options.resyncMs,
  });

  const requeue = new Requeue(options.nativeContainers, options.nativeContainerQueue, containerSecrets, secretQueue);
  secrets.onChange((key) => requeue.secretChanged(key));
  configMaps.onChange((key) => requeue.configMapChanged(key));
  containerSecrets.onChange((key, obj) => requeue.containerSecretChanged(key, obj));

  const informers = [secrets, configMaps, containerSecrets];
  let started = false;
  return {
    refs,
    start: () => informers.forEach((i) => i.start()),
    waitForSync: async () => {
      await Promise.all(informers.map((i) => i.waitForSync()));
    },
    hasSynced: () => informers.every((i) => i.hasSynced()),
    startController: () => {
      started = true;
      controller.start();
    },
    async stop(timeoutMs) {
      if (started) await controller.stop(timeoutMs);
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}

/** Who refers to what, computed from the caches when something changes (no index to keep in step). */
class Requeue {
  private readonly ncs: { list(): NativeContainer[] };
  private readonly ncQueue: WorkQueue;
  private readonly csecs: { list(): ContainerSecret[] };
  private readonly csecQueue: WorkQueue;
  private readonly csecChanges = new MeaningfulChanges();

  constructor(
    ncs: { list(): NativeContainer[] },
    ncQueue: WorkQueue,
    csecs: { list(): ContainerSecret[] },
    csecQueue: WorkQueue,
  ) {
    this.ncs = ncs;
    this.ncQueue = ncQueue;
    this.csecs = csecs;
    this.csecQueue = csecQueue;
  }

  secretChanged(key: string): void {
    const { namespace, name } = splitKey(key);
    const users = this.csecs
      .list()
      .filter((c) => c.metadata.namespace === namespace)
      .filter((c) => c.spec.passwordSecretRef?.name === name || c.spec.dockerConfigSecretRef?.name === name)
      .map((c) => c.metadata.name);
    for (const csec of users) this.csecQueue.add(`${namespace}/${csec}`);
    this.enqueue(
      namespace,
      (refs) => refs.secrets.includes(name) || refs.containerSecrets.some((c) => users.includes(c)),
    );
  }

  configMapChanged(key: string): void {
    const { namespace, name } = splitKey(key);
    this.enqueue(namespace, (refs) => refs.configMaps.includes(name));
  }

  /** A ContainerSecret's own status writes do not re-check it; its users hear of every change, Ready flips included. */
  containerSecretChanged(key: string, obj: ContainerSecret | undefined): void {
    if (this.csecChanges.changed(key, obj)) this.csecQueue.add(key);
    const { namespace, name } = splitKey(key);
    this.enqueue(namespace, (refs) => refs.containerSecrets.includes(name));
  }

  private enqueue(namespace: string | undefined, uses: (refs: ReturnType<typeof referencedNames>) => boolean): void {
    for (const nc of this.ncs.list()) {
      if (nc.metadata.namespace === namespace && nc.spec && uses(referencedNames(nc))) this.ncQueue.add(objectKey(nc));
    }
  }
}
