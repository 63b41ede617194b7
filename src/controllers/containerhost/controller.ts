// ContainerHosts as the manager knows them: the supervisor (every replica) keeps one engine and
// reflector per host in the pool; the controller (the leader) asks each engine what it is and
// what it has, and writes the host's status: Ready and why not, within a second or so of its
// reflector losing or finding the engine, and a heartbeat while it answers. The engine is asked
// on the heartbeat and when its reflector finds or loses it, not for each container placed there.
import type { Logger } from 'pino';
import type { ContainerHost } from '../../api/container-host.ts';
import type { Secret } from '../../api/core.ts';
import { clusterObjectPath, CONTAINER_HOST, NATIVE_CONTAINER, SECRET } from '../../api/group.ts';
import type { NativeContainer } from '../../api/native-container.ts';
import type { ContainerBackend } from '../../backend/container-backend.ts';
import { isTrustFailure, type DockerBackendOptions } from '../../backend/docker-backend.ts';
import type { HostPool } from '../../backend/hosts.ts';
import type { Reflector } from '../../backend/reflector.ts';
import { AWAIT_CHANGE, requeueAfter, type Action } from '../../runtime/controller.ts';
import { errorMessage } from '../../runtime/errors.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { Manager } from '../../runtime/manager.ts';
import { writeStatus } from '../../runtime/status-writer.ts';
import { requestsOf } from '../nativecontainer/placement.ts';
import { EngineInfos } from './engine-infos.ts';
import { computeHostStatus, type HostObservation } from './status.ts';
import { HostSupervisor } from './supervisor.ts';

export const CONTROLLER_NAME = 'containerhost';

export interface ContainerHostOptions {
  manager: Manager;
  client: KubeClient;
  hosts: HostPool;
  log: Logger;
  /** Where a secretRef without a namespace points. */
  namespace: string;
  reservedName: string;
  backendFor: (name: string, options: DockerBackendOptions) => ContainerBackend;
  reflectorFor: (name: string, backend: ContainerBackend) => Reflector;
  /** How often a Ready host is asked again, and its heartbeat written at most. */
  heartbeatSeconds: number;
}

/** A host that does not answer is asked again this often (its reflector usually says sooner). */
const NOT_READY_RECHECK_MS = 2_000;

export function registerContainerHosts(o: ContainerHostOptions): HostSupervisor {
  const { manager, hosts } = o;
  const chs = manager.informer<ContainerHost>(CONTAINER_HOST);
  const secrets = manager.informer<Secret>(SECRET);
  const ncs = manager.informer<NativeContainer>(NATIVE_CONTAINER);
  const supervisor = new HostSupervisor({
    pool: hosts,
    log: o.log,
    reservedName: o.reservedName,
    backendFor: o.backendFor,
    reflectorFor: o.reflectorFor,
    lookup: {
      defaultNamespace: o.namespace,
      secret: (ns, name) => secrets.get(`${ns}/${name}`),
      secretVersion: (key) => secrets.get(key)?.metadata.resourceVersion,
    },
  });
  chs.onChange((name, ch) => supervisor.sync(name, ch));
  secrets.onChange((key) => {
    for (const name of supervisor.usersOf(key, chs.list())) supervisor.sync(name, chs.get(name));
  });
  manager.addRunnable({ name: 'containerhosts', run: (signal) => supervisor.run(signal) });
  const infos = new EngineInfos(o.heartbeatSeconds * 1000);

  const handle = manager.add({
    name: CONTROLLER_NAME,
    for: CONTAINER_HOST,
    watches: [
      { kind: SECRET, map: (key) => supervisor.usersOf(key, chs.list()) },
      // What is placed on a host changes its allocated amounts and container count.
      {
        kind: NATIVE_CONTAINER,
        map: (_key, nc) => {
          const host = (nc as NativeContainer | undefined)?.status?.host;
          return host !== undefined ? [host] : chs.keys();
        },
      },
    ],
    reconcile: async (name): Promise<Action> => {
      const ch = chs.get(name);
      if (!ch) return AWAIT_CHANGE;
      const placed = ncs.list().filter((nc) => nc.status?.host === name);
      const observation = await observe(o, supervisor, infos, ch, placed);
      const status = computeHostStatus(observation);
      await writeStatus(o.client, clusterObjectPath(CONTAINER_HOST, name), ch.status, status);
      // Back when the answer is a heartbeat old, kept or not: the engine is asked every heartbeat.
      const { answeredAt, now, heartbeatMs } = observation;
      return requeueAfter(answeredAt ? answeredAt.getTime() + heartbeatMs - now.getTime() : NOT_READY_RECHECK_MS);
    },
    workers: 2,
  });
  // An engine lost or found: its host's Ready says so at once, not at the next heartbeat.
  hosts.onAdded((host) =>
    host.reflector.onAvailability(() => {
      infos.forget(host.name);
      handle.enqueue(host.name);
    }),
  );
  hosts.onRemoved((host) => infos.forget(host.name));
  return supervisor;
}

async function observe(
  o: ContainerHostOptions,
  supervisor: HostSupervisor,
  infos: EngineInfos,
  ch: ContainerHost,
  placed: NativeContainer[],
): Promise<HostObservation> {
  const allocated = { milliCpu: 0, memoryBytes: 0 };
  for (const nc of placed) {
    const r = requestsOf(nc.spec);
    allocated.milliCpu += r.milliCpu;
    allocated.memoryBytes += r.memoryBytes;
  }
  const base = {
    ch,
    allocated,
    containers: placed.length,
    now: new Date(),
    heartbeatMs: o.heartbeatSeconds * 1000,
  };
  const problem = supervisor.problem(ch.metadata.name);
  if (problem) return { ...base, problem };
  const host = o.hosts.get(ch.metadata.name);
  if (!host) return { ...base, problem: { reason: 'Connecting', message: 'The host is being connected.' } };
  try {
    const { info, at } = await infos.of(host, base.now.getTime());
    return { ...base, info, answeredAt: new Date(at) };
  } catch (err) {
    // The message says what failed (a refused connection, an unknown authority), never a secret.
    const reason = isTrustFailure(err) ? 'Untrusted' : 'Unreachable';
    return { ...base, problem: { reason, message: `${ch.spec.endpoint}: ${errorMessage(err)}` } };
  }
}
