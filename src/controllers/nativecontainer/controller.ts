// The NativeContainer controller as the manager knows it: it reconciles NativeContainers, watches
// the Secrets, ConfigMaps and ContainerSecrets they refer to (through field indexes), and hears
// from each host's reflector when a container changes or an engine comes or goes.
import type { Logger } from 'pino';
import {
  CONFIG_MAP,
  CONTAINER_HOST,
  CONTAINER_SECRET,
  IMAGE_BUILD,
  NAMESPACE,
  NATIVE_CONTAINER,
  NATIVE_CONTAINER_POLICY,
  SECRET,
} from '../../api/group.ts';
import type { ContainerHost } from '../../api/container-host.ts';
import type { Namespace, NativeContainerPolicy } from '../../api/policy.ts';
import { evaluate } from '../../policy/evaluate.ts';
import type { Strategy } from '../../scheduler/types.ts';
import { isDraining, Placer } from './placement.ts';
import type { ContainerSecret } from '../../api/container-secret.ts';
import type { ConfigMap, Secret } from '../../api/core.ts';
import type { ImageBuild } from '../../api/image-build.ts';
import type { NativeContainer } from '../../api/native-container.ts';
import type { HostPool } from '../../backend/hosts.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { ControllerHandle, Manager } from '../../runtime/manager.ts';
import { OwnWrites } from '../../runtime/own-writes.ts';
import { BY_CONFIG_MAP, BY_CONTAINER_SECRET, BY_IMAGE_BUILD, BY_SECRET } from '../indexes.ts';
import { actionFor, classify } from './error-policy.ts';
import { Expectations } from './expectations.ts';
import { hostNameOf } from './gather.ts';
import type { NativeContainerMetrics } from './metrics.ts';
import { NativeContainerReconciler } from './reconcile.ts';
import type { ReferenceLookup } from './references.ts';

export const CONTROLLER_NAME = 'nativecontainer';

export interface NativeContainerControllerOptions {
  manager: Manager;
  client: KubeClient;
  events: EventRecorder;
  hosts: HostPool;
  metrics: NativeContainerMetrics;
  workers: number;
  log: Logger;
  /** True when this operator is responsible for the namespace. */
  watches: (namespace: string) => boolean;
  /** The scoring of placement on ContainerHosts, operator-wide (NCO_PLACEMENT_STRATEGY). */
  strategy?: Strategy;
}

export function registerNativeContainerController(o: NativeContainerControllerOptions): ControllerHandle {
  const { manager, hosts } = o;
  const resources = manager.informer<NativeContainer>(NATIVE_CONTAINER);
  const refs = referenceLookup(manager);
  const { metrics } = o;
  const containerHosts = manager.informer<ContainerHost>(CONTAINER_HOST);
  const placer = new Placer({
    hosts,
    containerHosts: () => containerHosts.list(),
    containerHost: (name) => containerHosts.get(name),
    resources: () => resources.list(),
    strategy: o.strategy ?? 'spread',
  });
  const reconciler = new NativeContainerReconciler({
    client: o.client,
    events: o.events,
    get: (key) => resources.get(key),
    watches: o.watches,
    written: new OwnWrites<NativeContainer>(),
    refs,
    policy: policyCheck(manager),
    hosts,
    expectations: new Expectations(),
    placer,
    onDrift: (cause) => metrics.driftRepairs.inc({ cause }),
    onOrphansRemoved: (n) => metrics.orphansRemoved.inc(n),
  });
  const byIndex = (kind: typeof NATIVE_CONTAINER, index: string, key: string): string[] =>
    manager.byIndex(kind, index, key);
  const handle = manager.add({
    name: CONTROLLER_NAME,
    for: NATIVE_CONTAINER,
    watches: [
      {
        kind: SECRET,
        // Directly in env, or through a ContainerSecret whose password it holds.
        map: (key) => [
          ...byIndex(NATIVE_CONTAINER, BY_SECRET, key),
          ...byIndex(CONTAINER_SECRET, BY_SECRET, key).flatMap((c) =>
            byIndex(NATIVE_CONTAINER, BY_CONTAINER_SECRET, c),
          ),
        ],
      },
      { kind: CONFIG_MAP, map: (key) => byIndex(NATIVE_CONTAINER, BY_CONFIG_MAP, key) },
      // Every change, Ready flips of its status included: users wait for a verified secret.
      { kind: CONTAINER_SECRET, map: (key) => byIndex(NATIVE_CONTAINER, BY_CONTAINER_SECRET, key) },
      // Every change: a build that pushed an image moves the containers that run it.
      { kind: IMAGE_BUILD, map: (key) => byIndex(NATIVE_CONTAINER, BY_IMAGE_BUILD, key) },
      // A policy may allow or refuse any resource; a namespace's labels decide which policies apply.
      { kind: NATIVE_CONTAINER_POLICY, map: () => resources.keys() },
      { kind: NAMESPACE, map: (key) => resources.keys().filter((k) => k.startsWith(`${key}/`)) },
      // A host added, freed, uncordoned or Ready again: what waits for a host tries again. A host
      // that is drained or not Ready: its containers see whether they move.
      {
        kind: CONTAINER_HOST,
        map: (key, ch) => [
          ...placer.unbound(),
          ...(hostNeedsItsContainers(ch as ContainerHost | undefined) ? placer.boundTo(key) : []),
        ],
      },
      // A resource gone frees its host's capacity; one Ready elsewhere lets a drain move the next.
      {
        kind: NATIVE_CONTAINER,
        map: (key, nc) => (nc ? placer.nextToDrain(key) : [...placer.unbound(), ...placer.nextToDrain(key)]),
      },
    ],
    reconcile: reconciler.reconcile,
    errorPolicy: (key, err) => {
      const nc = resources.get(key);
      return actionFor(
        classify(err, {
          rebuilding: false,
          hasSecretRef: nc?.spec?.secretRef !== undefined,
          deleting: nc?.metadata.deletionTimestamp !== undefined,
          host: nc ? hostNameOf(nc) : '',
        }),
      );
    },
    workers: o.workers,
    // Owners of containers whose resource is gone are visited too: that is how orphans go.
    extraKeys: () => hosts.all().flatMap((h) => h.reflector.keys()),
  });
  // ContainerHosts come and go while the operator runs: each one's reflector is heard from.
  hosts.onAdded((host) => {
    host.reflector.onChange((change) => {
      if (change.key !== undefined) handle.enqueue(change.key);
    });
    // An engine that went away or came back: every resource on it says so, or gets on with its work.
    host.reflector.onAvailability(() => {
      for (const nc of resources.list()) if (hostNameOf(nc) === host.name) handle.enqueue(keyOf(nc));
      for (const key of host.reflector.keys()) handle.enqueue(key);
    });
  });
  return handle;
}

/**
 * What of a resource's spec the NativeContainerPolicies that select its namespace do not allow,
 * as a message; undefined when everything is allowed. A namespace the cache does not know yet
 * has only its name label (the API server sets kubernetes.io/metadata.name on every namespace).
 */
export function policyCheck(manager: Manager): (nc: NativeContainer) => string | undefined {
  const policies = manager.informer<NativeContainerPolicy>(NATIVE_CONTAINER_POLICY);
  const namespaces = manager.informer<Namespace>(NAMESPACE);
  return (nc) => {
    const ns = nc.metadata.namespace ?? 'default';
    const labels = namespaces.get(ns)?.metadata.labels ?? { 'kubernetes.io/metadata.name': ns };
    return evaluate(nc.spec, ns, labels, policies.list()).message;
  };
}

export function referenceLookup(manager: Manager): ReferenceLookup {
  const secrets = manager.informer<Secret>(SECRET);
  const configMaps = manager.informer<ConfigMap>(CONFIG_MAP);
  const containerSecrets = manager.informer<ContainerSecret>(CONTAINER_SECRET);
  const imageBuilds = manager.informer<ImageBuild>(IMAGE_BUILD);
  return {
    secret: (ns, name) => secrets.get(`${ns}/${name}`),
    configMap: (ns, name) => configMaps.get(`${ns}/${name}`),
    containerSecret: (ns, name) => containerSecrets.get(`${ns}/${name}`),
    imageBuild: (ns, name) => imageBuilds.get(`${ns}/${name}`),
  };
}

/** A ContainerHost gone, not Ready or drained: its containers look at their placement. */
function hostNeedsItsContainers(ch: ContainerHost | undefined): boolean {
  if (!ch) return true;
  const ready = ch.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status !== 'True' || isDraining(ch);
}

function keyOf(nc: NativeContainer): string {
  return `${nc.metadata.namespace ?? 'default'}/${nc.metadata.name}`;
}
