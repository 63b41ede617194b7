// Wiring: the manager, its controllers, one engine (backend and reflector) per host, leader
// election, and the health and metrics endpoints.
import type { Logger } from 'pino';
import type { ContainerBackend } from './backend/container-backend.ts';
import { DockerAccess } from './backend/docker-access.ts';
import { DockerBackend, isTrustFailure } from './backend/docker-backend.ts';
import { DockerImageBuilder } from './backend/docker-image-builder.ts';
import { HostPool } from './backend/hosts.ts';
import { PodmanHealthchecks } from './backend/podman-healthchecks.ts';
import { withOperationHook } from './backend/operation-hook.ts';
import { Reflector } from './backend/reflector.ts';
import type { OperatorConfig } from './config.ts';
import { registerContainerHosts } from './controllers/containerhost/controller.ts';
import { registerContainerSecretController } from './controllers/containersecret/controller.ts';
import { registerImageBuildController } from './controllers/imagebuild/controller.ts';
import { registerIndexes } from './controllers/indexes.ts';
import { registerNativeContainerController } from './controllers/nativecontainer/controller.ts';
import { DEFAULT_HOST, MANAGED_SELECTOR, ownerKey } from './controllers/nativecontainer/identity.ts';
import { registerNativeContainerMetrics } from './controllers/nativecontainer/metrics.ts';
import { registerPolicyController } from './controllers/policy/controller.ts';
import { backoffDelay } from './runtime/backoff.ts';
import { abortableDelay } from './runtime/delay.ts';
import { EventRecorder } from './runtime/events.ts';
import { serveEndpoints, type Endpoints } from './runtime/http-endpoints.ts';
import { KubeClient } from './runtime/kube-client.ts';
import { LeaderElector } from './runtime/leader-election.ts';
import { Manager } from './runtime/manager.ts';
import { RuntimeMetrics } from './runtime/metrics.ts';
import { startSubresources } from './subresources.ts';

export interface Operator {
  endpoints: Endpoints;
  /** Graceful stop: no new keys, in-flight reconciles finish (bounded), lease released. */
  stop(): Promise<void>;
}

export async function startOperator(config: OperatorConfig, log: Logger): Promise<Operator> {
  const client = kubeClient(config);
  const metrics = new RuntimeMetrics();
  const hosts = new HostPool();
  const ncMetrics = registerNativeContainerMetrics(metrics.registry, hosts);
  const backend = withOperationHook(
    new DockerBackend({
      ...(config.dockerHost ? { host: config.dockerHost } : {}),
      ...(config.networkMode ? { networkMode: config.networkMode } : {}),
    }),
    (operation, result) => ncMetrics.dockerOperations.inc({ host: DEFAULT_HOST, operation, result }),
  );
  await refuseUntrustedDocker(backend, log);
  hosts.add({ name: DEFAULT_HOST, backend, reflector: reflectorFor(DEFAULT_HOST, backend, log, config) });

  const elector = config.leaderElection.enabled
    ? new LeaderElector({ client, log, ...config.leaderElection })
    : undefined;
  const manager = new Manager({
    client,
    log,
    metrics,
    namespaces: config.watchNamespaces,
    idleTimeoutMs: config.watchIdleSeconds * 1000,
    resyncMs: config.resyncSeconds * 1000,
    ...(elector ? { elector, leaseName: config.leaderElection.name } : {}),
    stopTimeoutMs: config.shutdownTimeoutSeconds * 1000,
  });
  const events = new EventRecorder({
    client,
    component: 'native-container-operator',
    log,
    onDropped: (why) => metrics.eventsDropped.inc({ why }),
  });
  const builders = new Map([
    [DEFAULT_HOST, new DockerImageBuilder(config.dockerHost ? { host: config.dockerHost } : {})],
  ]);
  registerIndexes(manager);
  registerNativeContainerController({
    manager,
    client,
    events,
    hosts,
    metrics: ncMetrics,
    workers: config.workers,
    log,
    watches: (ns) => config.watchNamespaces.length === 0 || config.watchNamespaces.includes(ns),
    strategy: config.placementStrategy,
  });
  registerContainerHosts({
    manager,
    client,
    hosts,
    log,
    namespace: config.namespace,
    reservedName: DEFAULT_HOST,
    heartbeatSeconds: config.hostHeartbeatSeconds,
    backendFor: (name, options) =>
      withOperationHook(
        new DockerBackend({ ...options, ...(config.networkMode ? { networkMode: config.networkMode } : {}) }),
        (operation, result) => ncMetrics.dockerOperations.inc({ host: name, operation, result }),
      ),
    reflectorFor: (name, b) => reflectorFor(name, b, log, config),
  });
  registerPolicyController({ manager, client, log, admission: config.admissionPolicy });
  registerContainerSecretController({
    manager,
    client,
    events,
    hosts,
    registry: metrics.registry,
    workers: config.workers,
    log,
  });
  registerImageBuildController({
    manager,
    client,
    events,
    hosts,
    builders,
    buildsPerHost: config.buildsPerHost,
    registry: metrics.registry,
    workers: config.workers,
    log,
  });
  for (const host of hosts.all())
    manager.addRunnable({ name: `reflector/${host.name}`, run: (s) => host.reflector.run(s) });
  // Podman hosts' healthchecks (engines.ts): on the leader only, it changes what the engines record.
  manager.addLeaderRunnable({
    name: 'healthchecks',
    run: (s) => new PodmanHealthchecks({ pool: hosts, log, delay: abortableDelay }).run(s),
  });

  const endpoints = await serveEndpoints({
    host: config.bindAddress,
    healthPort: config.healthPort,
    metricsPort: config.metricsPort,
    registry: metrics.registry,
    liveness: { ping: () => Promise.resolve(true) },
    readiness: {
      informers: () => Promise.resolve(manager.hasSynced()),
      // The operator's own engine; each ContainerHost says in its own status whether it answers.
      docker: () => Promise.resolve(hosts.get(DEFAULT_HOST)?.reflector.isAvailable() ?? true),
    },
  });
  // On every replica, leader or not: it only reads the caches and acts at a user's request.
  const access = new Map([[DEFAULT_HOST, new DockerAccess(config.dockerHost ? { host: config.dockerHost } : {})]]);
  const subresources = config.subresources
    ? await startSubresources({
        config: config.subresources,
        ...{ client, manager, hosts, events, log },
        registry: metrics.registry,
        access: (host) => access.get(host),
        builder: (host) => builders.get(host),
      })
    : undefined;
  log.info({ server: client.serverUrl, docker: backend.endpoint, ...endpoints }, 'starting');
  const started = manager.start();

  return {
    endpoints,
    async stop(): Promise<void> {
      await subresources?.close();
      await started.catch(() => undefined);
      await manager.stop();
      await events.flush(2000);
      await endpoints.close();
    },
  };
}

function reflectorFor(host: string, backend: ContainerBackend, log: Logger, config: OperatorConfig): Reflector {
  return new Reflector({
    backend,
    host,
    selector: MANAGED_SELECTOR,
    indexKey: ownerKey,
    log,
    // At most a second between reconnects: work waiting on the engine resumes soon after it returns.
    reconnectDelay: (attempt) => backoffDelay(attempt, { baseMs: 100, maxMs: 1000, jitter: 0.2 }),
    delay: abortableDelay,
    resyncMs: config.resyncSeconds * 1000,
  });
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
  return KubeClient.fromEnvironment(config.kubeconfig);
}
