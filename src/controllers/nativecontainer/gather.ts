// Gather: everything one plan needs, read from caches. The resource and what it refers to come
// from the informers, the containers from the host's reflector. The engine is asked only what no
// cache answers, and only when a container is about to be created: whether an image it did not
// list is there after all, and which volumes exist.
import type { NativeContainer } from '../../api/native-container.ts';
import { objectKey } from '../../api/object.ts';
import { validateNativeContainer } from '../../api/validate.ts';
import type {
  ContainerBackend,
  ObservedContainer,
  ObservedVolume,
  RegistryAuth,
} from '../../backend/container-backend.ts';
import { updatesInPlace } from '../../backend/engines.ts';
import type { EngineHost, HostPool } from '../../backend/hosts.ts';
import type { Reflector } from '../../backend/reflector.ts';
import { desiredContainer, type Desired } from './desired.ts';
import { unreachable, type Problem } from './error-policy.ts';
import type { Expectations } from './expectations.ts';
import { hostPortConflict } from './host-ports.ts';
import { containerName, DEFAULT_HOST, LABELS, volumeSelector } from './identity.ts';
import { replacementCause, type Memory, type Observed } from './plan.ts';
import { resolveReferences, UnresolvedReferenceError, withBuiltImage, type ReferenceLookup } from './references.ts';

export interface GatherDeps {
  refs: ReferenceLookup;
  /** What no NativeContainerPolicy of the namespace allows; undefined when all is allowed. */
  policy?: (nc: NativeContainer) => string | undefined;
  hosts: HostPool;
  expectations: Expectations;
}

/** The containers of a resource as the host's cache has them, whatever else is known. */
export interface Seen {
  host: EngineHost;
  owned: ObservedContainer[];
  stale: ObservedContainer[];
  /** The container that stands for the resource, if any. */
  container: ObservedContainer | undefined;
}

export type Gathered =
  /** The cache has not yet seen what the last plan did; look again when it has. */
  | { kind: 'waiting'; seen: Seen }
  /** Nothing can be done: the spec or what it refers to is wrong, or the engine is away. */
  | { kind: 'problem'; seen: Seen; problem: Problem; engineSeen: boolean }
  | {
      kind: 'observed';
      seen: Seen;
      /** The resource as the plan sees it: with imageFrom, spec.image is the image its build pushed. */
      nc: NativeContainer;
      desired: Desired;
      auth: RegistryAuth | undefined;
      observed: Observed;
      memory: Memory;
    };

/** The host a resource is bound to (status.host); resources from before placement are on `local`. */
export function hostNameOf(nc: NativeContainer): string {
  return nc.status?.host ?? DEFAULT_HOST;
}

export function seen(nc: NativeContainer, hosts: HostPool): Seen {
  const name = hostNameOf(nc);
  const host = hosts.get(name);
  if (!host) throw new Error(`no engine for host ${name}`);
  const all = host.reflector.byKey(objectKey(nc));
  const owned = all.filter((c) => c.labels[LABELS.ownerUid] === nc.metadata.uid);
  const stale = all.filter((c) => c.labels[LABELS.ownerUid] !== nc.metadata.uid);
  return { host, owned, stale, container: standIn(owned, nc) };
}

export async function gather(nc: NativeContainer, deps: GatherDeps): Promise<Gathered> {
  const s = seen(nc, deps.hosts);
  const { reflector, backend } = s.host;
  const engineSeen = reflector.isAvailable();
  const refused = refusedSpec(nc, deps);
  if (refused) return { kind: 'problem', seen: s, engineSeen, problem: refused };
  let resolved;
  try {
    // With imageFrom, everything below sees the image its ImageBuild pushed last.
    nc = withBuiltImage(nc, deps.refs);
    resolved = resolveReferences(nc, deps.refs);
  } catch (err) {
    if (!(err instanceof UnresolvedReferenceError)) throw err;
    // A pending build is not a mistake to fix: the build's progress requeues the resource.
    const terminal = err.reason !== 'ImageBuildPending';
    return { kind: 'problem', seen: s, engineSeen, problem: { reason: err.reason, message: err.message, terminal } };
  }
  if (!engineSeen) {
    const problem = unreachable(backend.endpoint, reflector.unavailableReason(), {
      deleting: false,
      host: s.host.name,
    });
    return { kind: 'problem', seen: s, engineSeen, problem };
  }
  if (deps.expectations.waiting(objectKey(nc), reflector)) return { kind: 'waiting', seen: s };
  const desired = await desiredOn(s, nc, resolved.env);
  // Only a create (a new resource, or a rebuild) needs the image and the volumes.
  const creating = !s.owned.some((c) => !replacementCause(c, desired));
  const held = heldBack(nc, s, desired, creating);
  if (held) return { kind: 'problem', seen: s, engineSeen, problem: held };
  const image = desired.config.image;
  const imagePresent = !creating || (reflector.imagePresent(image) ?? (await backend.imagePresent(image)));
  const volumes =
    creating && desired.volumes.length > 0 ? await volumesOf(reflector, backend, volumeSelector(objectKey(nc))) : [];
  return {
    kind: 'observed',
    seen: s,
    nc,
    desired,
    auth: resolved.auth,
    observed: { owned: s.owned, stale: s.stale, imagePresent, volumes },
    memory: memoryOf(nc),
  };
}

/** The desired container on this host: its placement generation, and whether its engine updates in place. */
async function desiredOn(s: Seen, nc: NativeContainer, env: Record<string, string>): Promise<Desired> {
  const placed = withPlacementGeneration(desiredContainer(nc, env, s.host.name), nc);
  // Only an existing container could be changed in place (the backend keeps its answer).
  const fixed = s.owned.length > 0 && !updatesInPlace(await s.host.backend.engineKind());
  return fixed ? { ...placed, updatesInPlace: false } : placed;
}

/** What keeps a valid spec from being carried out: a host port taken, a start Docker refused. */
function heldBack(nc: NativeContainer, s: Seen, desired: Desired, creating: boolean): Problem | undefined {
  const conflict =
    creating && hostPortConflict(desired.config.ports, s.host.reflector.all(), objectKey(nc), s.host.name);
  return conflict ? portProblem(conflict) : startRefused(nc, s.container, desired);
}

/**
 * Docker refused to start this very container (status.startRefused) and nothing asks for another
 * try: say so again instead of starting it, for each failed start wakes the resource up again.
 */
function startRefused(nc: NativeContainer, c: ObservedContainer | undefined, desired: Desired): Problem | undefined {
  const refused = nc.status?.startRefused;
  if (!refused || !c || c.id !== refused.containerID || c.state !== 'created') return undefined;
  if (c.labels[LABELS.configHash] !== desired.hash) return undefined;
  if (desired.restartRequest !== undefined && desired.restartRequest !== nc.status?.restartRequest) return undefined;
  return { reason: 'InvalidSpec', message: refused.message, terminal: true };
}

/** Not terminal: the port frees up when the other resource lets it go. */
function portProblem(message: string): Problem {
  return { reason: 'HostPortConflict', message, terminal: false };
}

/**
 * The placement generation in the container's labels (not in the config hash: a new placement is a
 * new container on another host anyway), so a stale copy on a host left behind is told apart.
 */
function withPlacementGeneration(desired: Desired, nc: NativeContainer): Desired {
  const generation = nc.status?.placementGeneration;
  if (generation === undefined) return desired;
  return {
    ...desired,
    config: {
      ...desired.config,
      labels: { ...desired.config.labels, [LABELS.placementGeneration]: String(generation) },
    },
  };
}

/**
 * A spec that cannot be carried out whatever happens: invalid, or asking for what no
 * NativeContainerPolicy of its namespace allows. The latter is defence in depth (admission
 * refuses it already, unless it is not installed or the policies changed since): nothing is
 * created or changed, and an existing container stays as it is.
 */
function refusedSpec(nc: NativeContainer, deps: GatherDeps): Problem | undefined {
  const invalid = validateNativeContainer(nc);
  if (invalid.length > 0) return { reason: 'InvalidSpec', message: invalid.join('; '), terminal: true };
  const violation = deps.policy?.(nc);
  if (violation !== undefined) return { reason: 'PolicyViolation', message: violation, terminal: true };
  return undefined;
}

/** What the operator remembers, from explicit status fields. */
export function memoryOf(nc: NativeContainer): Memory {
  return {
    ...(nc.status?.restartRequest !== undefined ? { restartRequest: nc.status.restartRequest } : {}),
    stoppedOnRequest: nc.status?.stoppedOnRequest ?? false,
    ...(nc.status?.unhealthyRestarts ? { unhealthyRestarts: nc.status.unhealthyRestarts } : {}),
    ...(nc.status?.stoppedUnhealthy ? { stoppedUnhealthy: nc.status.stoppedUnhealthy } : {}),
    ...(nc.status?.exitRestarts ? { exitRestarts: nc.status.exitRestarts } : {}),
  };
}

/** The container that stands for the resource: the one with the final name, else any. */
function standIn(owned: ObservedContainer[], nc: NativeContainer): ObservedContainer | undefined {
  const name = containerName(nc.metadata.namespace ?? 'default', nc.metadata.name);
  return owned.find((c) => c.name === name) ?? owned[0];
}

/** The resource's volumes from the reflector's cache; from the engine only before its first list. */
export async function volumesOf(
  reflector: Reflector,
  backend: ContainerBackend,
  selector: Record<string, string>,
): Promise<ObservedVolume[]> {
  return reflector.volumes(selector) ?? (await backend.listVolumes(selector));
}
