// Wiring of what NativeContainers refer to: informers of Secrets, ConfigMaps and ContainerSecrets
// (their caches answer the reconcilers' lookups), the ContainerSecret controller, and the
// requeueing of every resource that refers to an object when that object changes, so that
// fixing a Secret brings a container up without touching the NativeContainer.
//
// Caveat: the Secret informer caches every Secret the operator may read, as controller-runtime's
// default cache does; its values are used for pulls and env and never logged.
import type { Logger } from 'pino';
import type { ContainerSecret } from '../api/container-secret.ts';
import type { ConfigMap, Secret } from '../api/core.ts';
import { collectionPath, CONTAINER_SECRET } from '../api/group.ts';
import type { NativeContainer } from '../api/native-container.ts';
import { objectKey, splitKey } from '../api/object.ts';
import type { ContainerBackend } from '../backend/container-backend.ts';
import { Controller } from '../runtime/controller.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { Informer } from '../runtime/informer.ts';
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
  /** The NativeContainer informer and queue, to requeue resources whose references changed. */
  nativeContainers: Informer<NativeContainer>;
  nativeContainerQueue: WorkQueue;
  workers: number;
  resyncMs: number;
}

export interface ReferenceWiring {
  refs: ReferenceLookup;
  /** Starts the informers, waits until their caches are filled, then starts the ContainerSecret controller. */
  start(): Promise<void>;
  stop(timeoutMs: number): Promise<void>;
}

export function wireReferences(options: ReferenceWiringOptions): ReferenceWiring {
  const { client, log } = options;
  const secrets = new Informer<Secret>({ client, path: '/api/v1/secrets', log });
  const configMaps = new Informer<ConfigMap>({ client, path: '/api/v1/configmaps', log });
  const containerSecrets = new Informer<ContainerSecret>({ client, path: collectionPath(CONTAINER_SECRET), log });
  const get =
    <T>(informer: Informer<T & { metadata: { name: string } }>) =>
    (namespace: string, name: string) =>
      informer.get(`${namespace}/${name}`);
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
  return {
    refs,
    async start() {
      for (const informer of informers) informer.start();
      await Promise.all(informers.map((i) => i.waitForSync()));
      controller.start();
    },
    async stop(timeoutMs) {
      await controller.stop(timeoutMs);
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}

/** Who refers to what, computed from the caches when something changes (no index to keep in step). */
class Requeue {
  private readonly ncs: Informer<NativeContainer>;
  private readonly ncQueue: WorkQueue;
  private readonly csecs: Informer<ContainerSecret>;
  private readonly csecQueue: WorkQueue;
  private readonly csecChanges = new MeaningfulChanges();

  constructor(
    ncs: Informer<NativeContainer>,
    ncQueue: WorkQueue,
    csecs: Informer<ContainerSecret>,
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
