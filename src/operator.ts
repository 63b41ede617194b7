// Wiring: one informer, queue, reconciler and controller per resource kind.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { NATIVE_CONTAINER } from './api/group.ts';
import type { NativeContainer } from './api/native-container.ts';
import { DockerBackend } from './backend/docker-backend.ts';
import type { OperatorConfig } from './config.ts';
import { NativeContainerReconciler } from './controllers/nativecontainer/reconcile.ts';
import { enqueueMeaningful } from './controllers/changes.ts';
import { wireReferences } from './controllers/wiring.ts';
import { Controller } from './runtime/controller.ts';
import { EventRecorder } from './runtime/events.ts';
import { Informer } from './runtime/informer.ts';
import { KubeClient } from './runtime/kube-client.ts';
import { WorkQueue } from './runtime/work-queue.ts';

export interface Operator {
  stop(): Promise<void>;
}

export async function startOperator(config: OperatorConfig, log: Logger): Promise<Operator> {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
  const client = new KubeClient(kubeConfig);
  const backend = new DockerBackend({
    ...(config.dockerHost ? { host: config.dockerHost } : {}),
    ...(config.networkMode ? { networkMode: config.networkMode } : {}),
  });
  await backend.ping();
  log.info({ server: client.serverUrl, docker: config.dockerHost ?? 'default socket' }, 'connected');

  const { group, version, plural } = NATIVE_CONTAINER;
  const informer = new Informer<NativeContainer>({ client, path: `/apis/${group}/${version}/${plural}`, log });
  const queue = new WorkQueue();
  informer.onChange(enqueueMeaningful((key) => queue.add(key)));
  const events = new EventRecorder(client, 'native-container-operator', log);
  const resyncMs = config.resyncSeconds * 1000;
  const references = wireReferences({
    client,
    backend,
    events,
    log,
    nativeContainers: informer,
    nativeContainerQueue: queue,
    workers: config.workers,
    resyncMs,
  });
  const reconciler = new NativeContainerReconciler({
    client,
    backend,
    events,
    get: (key) => informer.get(key),
    refs: references.refs,
    resyncAfterMs: resyncMs,
  });
  const controller = new Controller({
    name: 'nativecontainer',
    queue,
    reconcile: reconciler.reconcile,
    log,
    workers: config.workers,
    keys: () => informer.keys(),
    resyncMs: config.resyncSeconds * 1000,
  });
  informer.start();
  await references.start();
  await informer.waitForSync();
  log.info({ resources: informer.keys().length }, 'cache synced; starting workers');
  controller.start();

  return {
    async stop(): Promise<void> {
      const finished = await controller.stop(config.shutdownTimeoutSeconds * 1000);
      if (!finished) log.warn('reconciles still running at shutdown; they are safe to repeat after restart');
      await references.stop(config.shutdownTimeoutSeconds * 1000);
      await informer.stop();
    },
  };
}
