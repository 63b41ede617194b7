// Wiring: informers, queue, reconciler and controller per resource kind, the Docker event
// source, orphan collection, leader election, and the health and metrics endpoints.
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { NATIVE_CONTAINER } from './api/group.ts';
import type { NativeContainer } from './api/native-container.ts';
import type { ContainerBackend } from './backend/container-backend.ts';
import { DockerBackend, isTrustFailure } from './backend/docker-backend.ts';
import { withOperationHook } from './backend/operation-hook.ts';
import type { OperatorConfig } from './config.ts';
import { requeueDelayMs, watchDockerEvents } from './controllers/nativecontainer/docker-source.ts';
import { OrphanLoop } from './controllers/nativecontainer/orphan-loop.ts';
import { NativeContainerReconciler } from './controllers/nativecontainer/reconcile.ts';
import { enqueueMeaningful } from './controllers/changes.ts';
import { wireReferences } from './controllers/wiring.ts';
import { Controller } from './runtime/controller.ts';
import { EventRecorder } from './runtime/events.ts';
import { serveEndpoints, type Endpoints } from './runtime/http-endpoints.ts';
import { InformerGroup } from './runtime/informer-group.ts';
import { instrumentController, instrumentInformer, instrumentQueue } from './runtime/instrument.ts';
import { KubeClient } from './runtime/kube-client.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { Metrics } from './runtime/metrics.ts';
import { WorkQueue } from './runtime/work-queue.ts';

export interface Operator {
  endpoints: Endpoints;
  /** Graceful stop: no new keys, in-flight reconciles finish (bounded), lease released. */
  stop(): Promise<void>;
}

const CONTROLLER = 'nativecontainer';

export async function startOperator(
  config: OperatorConfig,
  log: Logger,
  onFatal: (why: string) => void,
): Promise<Operator> {
  const client = kubeClient(config);
  const metrics = new Metrics();
  const backend = withOperationHook(
    new DockerBackend({
      ...(config.dockerHost ? { host: config.dockerHost } : {}),
      ...(config.networkMode ? { networkMode: config.networkMode } : {}),
    }),
    (operation, result) => metrics.dockerOperations.inc({ operation, result }),
  );
  await refuseUntrustedDocker(backend, log);
  const { group, version, plural } = NATIVE_CONTAINER;
  const resources = new InformerGroup<NativeContainer>({
    client,
    apiPrefix: `/apis/${group}/${version}`,
    plural,
    namespaces: config.watchNamespaces,
    log,
    idleTimeoutMs: config.watchIdleSeconds * 1000,
    hooks: instrumentInformer(metrics, plural),
  });
  const queue = new WorkQueue(instrumentQueue(metrics, CONTROLLER));
  resources.onChange(enqueueMeaningful((key) => queue.add(key)));
  const events = new EventRecorder(client, 'native-container-operator', log);
  const references = wireReferences({
    client,
    backend,
    events,
    log,
    namespaces: config.watchNamespaces,
    idleTimeoutMs: config.watchIdleSeconds * 1000,
    nativeContainers: resources,
    nativeContainerQueue: queue,
    workers: config.workers,
    resyncMs: config.resyncSeconds * 1000,
  });
  const reconciler = new NativeContainerReconciler({
    client,
    backend,
    events,
    get: (key) => resources.get(key),
    refs: references.refs,
    resyncAfterMs: config.resyncSeconds * 1000,
    onDrift: (cause) => metrics.driftRepairs.inc({ cause }),
  });
  const controller = new Controller({
    name: CONTROLLER,
    queue,
    reconcile: reconciler.reconcile,
    log,
    workers: config.workers,
    keys: () => resources.keys(),
    resyncMs: config.resyncSeconds * 1000,
    hooks: instrumentController(metrics, CONTROLLER, config.workers),
  });
  const endpoints = await serveEndpoints({
    host: config.bindAddress,
    healthPort: config.healthPort,
    metricsPort: config.metricsPort,
    registry: metrics.registry,
    liveness: { ping: () => Promise.resolve(true) },
    readiness: {
      informers: () => Promise.resolve(resources.hasSynced() && references.hasSynced()),
      docker: async () => (await backend.ping(), true),
    },
  });
  log.info({ server: client.serverUrl, docker: config.dockerHost ?? 'default socket', ...endpoints }, 'starting');

  resources.start();
  references.start();
  const background = new AbortController();
  const elector = config.leaderElection.enabled
    ? new LeaderElector({ client, log, ...config.leaderElection })
    : undefined;
  const orphans = new OrphanLoop({
    backend,
    scope: { exists: (key) => resources.get(key) !== undefined, watches: (ns) => resources.watches(ns) },
    log,
    intervalMs: config.resyncSeconds * 1000,
    signal: background.signal,
    onPass: ({ managed, removed }) => {
      metrics.orphansRemoved.inc(removed.length);
      metrics.managedContainers.reset();
      for (const c of managed) if (!removed.includes(c)) metrics.managedContainers.inc({ state: c.state });
    },
  });
  const leading = (async (): Promise<void> => {
    await resources.waitForSync();
    await references.waitForSync();
    log.info({ resources: resources.keys().length }, 'cache synced');
    if (elector && !(await elector.acquire(() => onFatal('lost the leader lease')))) return;
    metrics.isLeader.set({ name: config.leaderElection.name }, 1);
    controller.start();
    references.startController();
    void watchDockerEvents({
      backend,
      log,
      signal: background.signal,
      onOwnerEvent: (key, event) => {
        if (!resources.get(key)) return orphans.trigger();
        queue.addAfter(key, requeueDelayMs(event.action));
      },
      onReconnect: () => resources.keys().forEach((key) => queue.add(key)),
      onConnect: () => metrics.dockerEventStreams.inc(),
    });
    void orphans.run();
  })();

  return {
    endpoints,
    async stop(): Promise<void> {
      background.abort();
      const finished = await controller.stop(config.shutdownTimeoutSeconds * 1000);
      if (!finished) log.warn('reconciles still running at shutdown; they are safe to repeat after restart');
      await references.stop(config.shutdownTimeoutSeconds * 1000);
      await elector?.release();
      await resources.stop();
      await endpoints.close();
      await leading.catch(() => undefined);
    },
  };
}

/**
 * Docker down at start is tolerated (readiness says so and the work resumes when it is back);
 * a Docker host whose certificate or SSH host key cannot be trusted is a misconfiguration, so
 * the operator refuses to start and says why.
 */
async function refuseUntrustedDocker(backend: ContainerBackend, log: Logger): Promise<void> {
  try {
    await backend.ping();
  } catch (err) {
    if (isTrustFailure(err)) throw err;
    log.warn({ err: err instanceof Error ? err.message : String(err) }, 'Docker not reachable yet; starting anyway');
  }
}

function kubeClient(config: OperatorConfig): KubeClient {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
  return new KubeClient(kubeConfig);
}
