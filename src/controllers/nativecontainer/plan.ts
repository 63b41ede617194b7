// The planner: desired + observed -> operations. Pure: no I/O, no clock, no randomness.
// Operations are data with a cause, so tests compare printed plans and the causes go into
// Events and condition messages.
//
// Invariants the order of operations keeps:
// - a pull comes before anything is stopped, so a failed pull leaves the old container as it was;
// - a rebuilt container exists (under its next name) before the old one is stopped and removed;
// - a volume is removed only after every container that mounts it.
import { isPredefinedNetwork } from '../../api/network-modes.ts';
import type { ContainerUpdate, ObservedContainer, ObservedVolume } from '../../backend/container-backend.ts';
import type { Desired } from './desired.ts';
import { exitCodeOf, exitDecision, type ExitRestarts } from './exit-restarts.ts';
import { unhealthyDecision, type UnhealthyRestarts } from './health.ts';
import { pinnedByDigest, sameDigest } from './image-update.ts';
import { LABELS } from './identity.ts';

/** What the planner knows of Docker for one resource (gathered from the host's caches). */
export interface Observed {
  /** Containers labelled with this resource's UID. More than one is a fault the plan repairs. */
  owned: ObservedContainer[];
  /** Containers labelled with this namespace/name but another UID: left by an earlier resource of the same name. */
  stale: ObservedContainer[];
  imagePresent: boolean;
  /** Volumes labelled with this namespace/name (any UID: kept volumes are mounted again). */
  volumes: ObservedVolume[];
}

/** The container an operation acts on: an existing one, or the one Create makes in this plan. */
export type Target = { id: string } | 'created';

type ContainerOp = 'Start' | 'Stop' | 'Restart' | 'Pause' | 'Unpause' | 'Remove';

export type Operation =
  | { type: 'Pull'; image: string; cause: string }
  /** Nothing can proceed; the executor fails with this reason (e.g. image absent and pull policy Never). */
  | { type: 'Blocked'; reason: string; cause: string }
  | { type: 'CreateVolume'; volume: string; labels: Record<string, string>; cause: string }
  /** `rebuild`: the new container of a rebuild, created while the old one still exists. */
  | { type: 'Create'; name: string; cause: string; rebuild?: true }
  /**
   * `unhealthy`: a restart or stop because Docker marks the container unhealthy (onUnhealthy).
   * `exited`: a start by the operator's restart policy (exit-restarts.ts), after `delayMs` of back-off.
   */
  | {
      type: ContainerOp;
      target: Target;
      cause: string;
      unhealthy?: { output: string };
      exited?: { delayMs: number; exitCode: number };
    }
  | { type: 'Update'; target: Target; update: ContainerUpdate; cause: string }
  | { type: 'Rename'; target: Target; name: string; cause: string }
  | { type: 'RemoveVolume'; volume: string; cause: string }
  /** Creates a network spec.networks asks the operator to create (nothing if it exists). */
  | { type: 'CreateNetwork'; network: string; internal: boolean; cause: string }
  /** Removes a network the operator created, if no container is attached any more. */
  | { type: 'RemoveNetwork'; network: string; cause: string }
  | { type: 'Connect'; target: Target; network: string; aliases: string[]; cause: string }
  | { type: 'Disconnect'; target: Target; network: string; cause: string };

/**
 * What the operator must remember and Docker cannot record, read from explicit fields of the
 * resource's status (never from a condition's reason, which a failure overwrites).
 */
export interface Memory {
  /** status.restartRequest: the last spec.restartRequest carried out. */
  restartRequest?: string;
  /** status.stoppedOnRequest: the container was stopped because the spec said so, not by exiting. */
  stoppedOnRequest: boolean;
  /** status.unhealthyRestarts: the back-off of restarts for a failed healthcheck. */
  unhealthyRestarts?: UnhealthyRestarts;
  /** status.stoppedUnhealthy: the container stopped for a failed healthcheck (onUnhealthy Stop) stays stopped. */
  stoppedUnhealthy?: string;
  /** status.exitRestarts: the operator's restarts of a container that exited, for back-off and maxRetries. */
  exitRestarts?: ExitRestarts;
}

export interface PlanInput {
  desired: Desired;
  observed: Observed;
  deleting: boolean;
  memory?: Memory;
  /** The time, for the back-off of unhealthy restarts; without it a planner does not act on health. */
  now?: Date;
}

export function plan({ desired, observed, deleting, memory, now }: PlanInput): Operation[] {
  const ops: Operation[] = observed.stale.map((c) => op('Remove', c, 'left by an earlier resource of the same name'));
  if (deleting) {
    return [
      ...ops,
      ...observed.owned.flatMap((c) => stopAndRemove(c, 'resource is being deleted')),
      ...volumesToDelete(desired, observed),
      ...(observed.owned.length > 0 ? networksToRemove(desired) : []),
    ];
  }
  // Keep the best container; any other is a duplicate, or the old one of an interrupted rebuild.
  const [keep, ...extra] = [...observed.owned].sort(byPreference(desired.hash));
  ops.push(...extra.flatMap((c) => stopAndRemove(c, 'duplicate container for one resource')));
  if (!keep) return [...ops, ...create(desired, observed, desired.config.name, 'container does not exist')];
  const replace = replacementCause(keep, desired);
  if (replace) return [...ops, ...rebuild(keep, desired, observed, replace)];
  return [...ops, ...converge(keep, desired, memory ?? { stoppedOnRequest: false }, now)];
}

/**
 * Why a container must be replaced by a new one, or undefined when it can be kept and converged in
 * place: another configuration (hash), another digest to run, a network it cannot leave, an
 * earlier placement, or a change its engine cannot make in place.
 */
export function replacementCause(c: ObservedContainer, desired: Desired): string | undefined {
  if (c.labels[LABELS.configHash] !== desired.hash) return rebuildCause(c, desired);
  return (
    retargetCause(c, desired) ?? networkCause(c, desired) ?? placementCause(c, desired) ?? notInPlaceCause(c, desired)
  );
}

/**
 * A copy made under an earlier placement, on a host the resource left and came back to: a new
 * container replaces it (its volumes stay). Only an older one: a status restored without its
 * placement generation starts again at 1, and must not rebuild what runs.
 */
function placementCause(c: ObservedContainer, desired: Desired): string | undefined {
  const want = Number(desired.config.labels[LABELS.placementGeneration]);
  const have = Number(c.labels[LABELS.placementGeneration]);
  if (!Number.isInteger(want) || !Number.isInteger(have) || have >= want) return undefined;
  return `placed on this host again (placement ${want}); this copy is from placement ${have}`;
}

/** On an engine that cannot change a container (Podman 4.3, engines.ts), what Docker updates in place rebuilds. */
function notInPlaceCause(c: ObservedContainer, desired: Desired): string | undefined {
  if (desired.updatesInPlace !== false) return undefined;
  const update = updateOf(c, desired);
  return update ? `${changes(c, update)} (its engine cannot change a container in place)` : undefined;
}

/**
 * Why a container with the desired hash must still be replaced: it runs another digest than an
 * update or a rollback asks for, or it was pinned to a digest that no longer applies.
 */
function retargetCause(c: ObservedContainer, desired: Desired): string | undefined {
  if (desired.target) return sameDigest(c.imageDigest, desired.target.image) ? undefined : desired.target.cause;
  if (pinnedByDigest(c.image) && !pinnedByDigest(desired.config.image)) {
    return `back to ${desired.config.image} (no update or rollback pins a digest)`;
  }
  return undefined;
}

function create(desired: Desired, observed: Observed, name: string, cause: string): Operation[] {
  return [
    ...pull(desired, observed),
    ...missingVolumes(desired, observed),
    ...networksToCreate(desired),
    { type: 'Create', name, cause },
    ...attachAfterCreate(desired),
    ...startAs(desired, 'created'),
  ];
}

/**
 * New container first (next name), then the old one goes, then the new one takes the name. An
 * old container that itself still has the next name (a rebuild interrupted before its rename,
 * then the spec changed again) leaves the final name free: the new one is created under it.
 */
function rebuild(old: ObservedContainer, desired: Desired, observed: Observed, cause: string): Operation[] {
  const name = old.name === desired.nextName ? desired.config.name : desired.nextName;
  return [
    ...pull(desired, observed),
    ...missingVolumes(desired, observed),
    ...networksToCreate(desired),
    { type: 'Create', name, cause: `rebuild: ${cause}`, rebuild: true },
    ...attachAfterCreate(desired),
    ...stopAndRemove(old, `rebuild: ${cause}`),
    ...takeTheName(name, desired),
    ...startAs(desired, 'created'),
  ];
}

function takeTheName(created: string, desired: Desired): Operation[] {
  if (created === desired.config.name) return [];
  return [{ type: 'Rename', target: 'created', name: desired.config.name, cause: 'rebuilt container takes the name' }];
}

function rebuildCause(old: ObservedContainer, desired: Desired): string {
  if (old.image !== desired.config.image) return `image changed from ${old.image} to ${desired.config.image}`;
  if ((old.labels[LABELS.rebuildRequest] ?? '') !== (desired.rebuildRequest ?? '')) return 'rebuild requested';
  return 'configuration changed';
}

function converge(c: ObservedContainer, desired: Desired, memory: Memory, now: Date | undefined): Operation[] {
  const ops: Operation[] = [];
  if (c.name !== desired.config.name) {
    ops.push({
      type: 'Rename',
      target: { id: c.id },
      name: desired.config.name,
      cause: 'finish an interrupted rebuild',
    });
  }
  const update = updateOf(c, desired);
  if (update) ops.push({ type: 'Update', target: { id: c.id }, update, cause: describeUpdate(c, update) });
  ops.push(...networkChanges(c, desired));
  const restartPending = desired.restartRequest !== undefined && desired.restartRequest !== memory.restartRequest;
  if (desired.state === 'Running') ops.push(...toRunning(c, desired, memory, restartPending, now));
  if (desired.state === 'Stopped') ops.push(...toStopped(c));
  if (desired.state === 'Paused') ops.push(...toPaused(c));
  return ops;
}

function toRunning(
  c: ObservedContainer,
  desired: Desired,
  memory: Memory,
  restartPending: boolean,
  now: Date | undefined,
): Operation[] {
  // What a running container needs: a requested restart, else what its health asks for.
  const whenRunning = (): Operation[] => {
    if (restartPending) return [op('Restart', c, 'restart requested')];
    return now ? onUnhealthy({ ...c, state: 'running' }, desired, memory, now) : [];
  };
  switch (c.state) {
    case 'running':
      return whenRunning();
    case 'paused':
      // Unpaused, it is running with the health Docker reports: act on it in the same plan.
      return [op('Unpause', c, 'desired state is Running'), ...whenRunning()];
    case 'created':
      return [op('Start', c, 'container is created')];
    case 'exited':
    case 'dead':
      return startExited(c, desired, memory, restartPending, now);
    default:
      // restarting: Docker is at it under the restart policy; removing: going away.
      return [];
  }
}

function onUnhealthy(c: ObservedContainer, desired: Desired, memory: Memory, now: Date): Operation[] {
  const d = unhealthyDecision(c, desired.onUnhealthy, memory.unhealthyRestarts, now.getTime());
  if (d.kind !== 'restart' && d.kind !== 'stop') return [];
  const type = d.kind === 'restart' ? 'Restart' : 'Stop';
  return [{ type, target: { id: c.id }, cause: d.cause, unhealthy: { output: d.output } }];
}

/**
 * A container that exited on its own is started again as its restart policy says (see
 * exit-restarts.ts: by Docker, or by the operator with back-off). One that its engine stopped
 * when it went away did not exit on its own.
 */
function startExited(
  c: ObservedContainer,
  desired: Desired,
  memory: Memory,
  restartPending: boolean,
  now: Date | undefined,
): Operation[] {
  if (restartPending) return [op('Start', c, 'restart requested')];
  if (memory.stoppedOnRequest) return [op('Start', c, 'desired state is Running again')];
  if (memory.stoppedUnhealthy === c.id) return [];
  if (c.stoppedByEngine) return [op('Start', c, 'its Docker engine stopped it when it went away')];
  const d = exitDecision(c, desired.exit, memory.exitRestarts, now?.getTime());
  if (d.kind !== 'restart') return [];
  if (!desired.exit.byOperator) return [op('Start', c, `container is ${c.state}`)];
  const exited = { delayMs: d.delayMs, exitCode: exitCodeOf(c) };
  return [{ type: 'Start', target: { id: c.id }, cause: d.cause, exited }];
}

function toStopped(c: ObservedContainer): Operation[] {
  const cause = 'desired state is Stopped';
  if (c.state === 'paused')
    return [op('Unpause', c, 'a paused container is unpaused to stop gracefully'), op('Stop', c, cause)];
  if (c.state === 'running' || c.state === 'restarting') return [op('Stop', c, cause)];
  return [];
}

function toPaused(c: ObservedContainer): Operation[] {
  const cause = 'desired state is Paused';
  if (c.state === 'running') return [op('Pause', c, cause)];
  if (c.state === 'created' || c.state === 'exited' || c.state === 'dead') {
    return [op('Start', c, 'a container is started before it is paused'), op('Pause', c, cause)];
  }
  return [];
}

function startAs(desired: Desired, target: Target): Operation[] {
  if (desired.state === 'Running') return [{ type: 'Start', target, cause: 'desired state is Running' }];
  if (desired.state === 'Paused') {
    return [
      { type: 'Start', target, cause: 'a container is started before it is paused' },
      { type: 'Pause', target, cause: 'desired state is Paused' },
    ];
  }
  return [];
}

function pull(desired: Desired, observed: Observed): Operation[] {
  const image = desired.config.image;
  if (desired.pullPolicy === 'Always') return [{ type: 'Pull', image, cause: 'imagePullPolicy is Always' }];
  if (observed.imagePresent) return [];
  if (desired.pullPolicy === 'Never') {
    return [
      { type: 'Blocked', reason: 'ImageNotFound', cause: `image ${image} is not present and imagePullPolicy is Never` },
    ];
  }
  return [{ type: 'Pull', image, cause: 'image not present' }];
}

function missingVolumes(desired: Desired, observed: Observed): Operation[] {
  const present = new Set(observed.volumes.map((v) => v.name));
  return desired.volumes
    .filter((v) => !present.has(v.name))
    .map((v) => ({
      type: 'CreateVolume',
      volume: v.name,
      labels: v.labels,
      cause: `volume ${v.specName} does not exist`,
    }));
}

/** Volumes marked autoDelete: by the spec for those still in it, by their label for those removed from it. */
function volumesToDelete(desired: Desired, observed: Observed): Operation[] {
  const inSpec = new Map(desired.volumes.map((v) => [v.name, v.autoDelete]));
  return observed.volumes
    .filter((v) => inSpec.get(v.name) ?? v.labels[LABELS.autoDelete] !== 'false')
    .map((v) => ({
      type: 'RemoveVolume',
      volume: v.name,
      cause: 'resource is being deleted and the volume has autoDelete',
    }));
}

function updateOf(c: ObservedContainer, desired: Desired): ContainerUpdate | undefined {
  const want = desired.config.resources;
  const have = c.resources ?? {};
  const resources = {
    ...(want.nanoCpus !== undefined && want.nanoCpus !== have.nanoCpus ? { nanoCpus: want.nanoCpus } : {}),
    ...(want.memoryBytes !== undefined && want.memoryBytes !== have.memoryBytes
      ? { memoryBytes: want.memoryBytes }
      : {}),
  };
  const policy = desired.config.restartPolicy;
  const policyChanged =
    c.restartPolicy !== undefined &&
    (c.restartPolicy.name !== policy.name || c.restartPolicy.maximumRetryCount !== policy.maximumRetryCount);
  const pids = pidsLimitChange(c, desired);
  const update: ContainerUpdate = {
    ...(Object.keys(resources).length > 0 ? { resources } : {}),
    ...(policyChanged ? { restartPolicy: policy } : {}),
    ...(pids !== undefined ? { pidsLimit: pids } : {}),
  };
  return Object.keys(update).length > 0 ? update : undefined;
}

function describeUpdate(c: ObservedContainer, u: ContainerUpdate): string {
  return `in place: ${changes(c, u)}`;
}

function changes(c: ObservedContainer, u: ContainerUpdate): string {
  const parts: string[] = [];
  const cpus = (n: number | undefined): string => (n === undefined ? 'none' : `${n / 1e9}`);
  if (u.resources?.nanoCpus !== undefined)
    parts.push(`cpu ${cpus(c.resources?.nanoCpus)} -> ${cpus(u.resources.nanoCpus)}`);
  if (u.resources?.memoryBytes !== undefined) {
    parts.push(`memory ${c.resources?.memoryBytes ?? 'none'} -> ${u.resources.memoryBytes} bytes`);
  }
  if (u.restartPolicy) {
    const fmt = (p: { name: string; maximumRetryCount: number }): string =>
      p.name === 'on-failure' && p.maximumRetryCount > 0 ? `${p.name}:${p.maximumRetryCount}` : p.name;
    parts.push(`restart policy ${c.restartPolicy ? fmt(c.restartPolicy) : 'none'} -> ${fmt(u.restartPolicy)}`);
  }
  if (u.pidsLimit !== undefined) parts.push(`pids limit ${c.pidsLimit ?? 'none'} -> ${u.pidsLimit}`);
  return parts.join(', ');
}

/** A graceful stop first gives the process its stop signal and grace period; remove alone would kill it. */
function stopAndRemove(c: ObservedContainer, cause: string): Operation[] {
  const ops: Operation[] = [];
  if (c.state === 'paused') ops.push(op('Unpause', c, cause));
  if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused') ops.push(op('Stop', c, cause));
  return [...ops, op('Remove', c, cause)];
}

function op(type: ContainerOp, c: ObservedContainer, cause: string): Operation {
  return { type, target: { id: c.id }, cause };
}

/** Containers with the desired hash first, then running ones, then the most recently started. */
function byPreference(hash: string): (a: ObservedContainer, b: ObservedContainer) => number {
  const score = (c: ObservedContainer): number =>
    (c.labels[LABELS.configHash] === hash ? 2 : 0) + (c.state === 'running' ? 1 : 0);
  return (a, b) =>
    score(b) - score(a) || (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.id.localeCompare(b.id);
}

/** True when the plan replaces the container (a rebuild). */
export function isRebuild(ops: readonly Operation[]): boolean {
  return ops.some((o) => o.type === 'Create' && o.rebuild === true);
}

/** One line an operation: "Remove 0123456789ab (configuration changed)". */
export function formatPlan(ops: readonly Operation[]): string {
  return ops.map(formatOperation).join('\n');
}

export function formatOperation(o: Operation): string {
  switch (o.type) {
    case 'Pull':
      return `Pull ${o.image} (${o.cause})`;
    case 'Blocked':
      return `Blocked ${o.reason} (${o.cause})`;
    case 'CreateVolume':
    case 'RemoveVolume':
      return `${o.type} ${o.volume} (${o.cause})`;
    case 'Create':
      return `Create ${o.name} (${o.cause})`;
    case 'Rename':
      return `Rename ${targetName(o.target)} to ${o.name} (${o.cause})`;
    case 'CreateNetwork':
    case 'RemoveNetwork':
      return `${o.type} ${o.network} (${o.cause})`;
    case 'Connect':
      return `Connect ${targetName(o.target)} to ${o.network}${o.aliases.length ? ` as ${o.aliases.join(', ')}` : ''} (${o.cause})`;
    case 'Disconnect':
      return `Disconnect ${targetName(o.target)} from ${o.network} (${o.cause})`;
    default:
      return `${o.type} ${targetName(o.target)} (${o.cause})`;
  }
}

function targetName(target: Target): string {
  return target === 'created' ? 'new container' : target.id.slice(0, 12);
}

/**
 * Why a container with the desired hash must still be replaced for its networks: Docker attaches
 * a container to the network it was created on at every start, so that one cannot be detached
 * for good in place.
 */
function networkCause(c: ObservedContainer, desired: Desired): string | undefined {
  const mode = c.networkMode;
  if (!desired.networks || mode === undefined || isPredefinedNetwork(mode) || mode.startsWith('container:'))
    return undefined;
  if (desired.networks.attachments.some((n) => n.name === mode)) return undefined;
  return `it was created on network ${mode}, which spec.networks no longer lists`;
}

/** Networks the operator is asked to create, before a container is created on or attached to them. */
function networksToCreate(desired: Desired, only?: string): Operation[] {
  return (desired.networks?.attachments ?? [])
    .filter((n) => n.create && (only === undefined || n.name === only))
    .map((n) => ({
      type: 'CreateNetwork',
      network: n.name,
      internal: n.internal,
      cause: `spec.networks asks to create ${n.name} when it does not exist`,
    }));
}

/** The created container joins every network besides the one it was created on, before it starts. */
function attachAfterCreate(desired: Desired): Operation[] {
  const n = desired.networks;
  if (!n) return [];
  return n.attachments
    .filter((a) => a.name !== n.primary)
    .map((a) => ({
      type: 'Connect',
      target: 'created',
      network: a.name,
      aliases: a.aliases,
      cause: `network ${a.name} is in spec.networks`,
    }));
}

/** Attach, detach and re-alias in place, so that the container is on exactly the desired networks. */
function networkChanges(c: ObservedContainer, desired: Desired): Operation[] {
  const want = desired.networks;
  const have = c.networks;
  if (!want || !have) return [];
  const target = { id: c.id };
  const ops: Operation[] = [];
  for (const name of Object.keys(have).sort()) {
    if (want.attachments.some((n) => n.name === name)) continue;
    ops.push({ type: 'Disconnect', target, network: name, cause: `network ${name} is not in spec.networks` });
  }
  for (const n of want.attachments) {
    const aliases = have[n.name];
    const connect: Operation = { type: 'Connect', target, network: n.name, aliases: n.aliases, cause: '' };
    if (aliases === undefined) {
      ops.push(...networksToCreate(desired, n.name), { ...connect, cause: `network ${n.name} is in spec.networks` });
    } else if ([...aliases].sort().join(',') !== n.aliases.join(',')) {
      const cause = `aliases on ${n.name} changed to [${n.aliases.join(', ')}]`;
      ops.push({ type: 'Disconnect', target, network: n.name, cause }, { ...connect, cause });
    }
  }
  return ops;
}

/** Networks the resource had the operator create: removed with it, when no other container uses them. */
function networksToRemove(desired: Desired): Operation[] {
  return (desired.networks?.attachments ?? [])
    .filter((n) => n.create)
    .map((n) => ({
      type: 'RemoveNetwork',
      network: n.name,
      cause: 'resource is being deleted; the network goes if no other container is attached',
    }));
}

/**
 * The process limit to set in place, or undefined when it is as desired. Without one in the spec
 * the engine's default stays (Podman sets 2048, a Docker daemon may have default-pids-limit);
 * adding or removing one rebuilds (the config hash), as for cpu and memory.
 */
function pidsLimitChange(c: ObservedContainer, desired: Desired): number | undefined {
  const want = desired.config.pidsLimit;
  return want === undefined || want === c.pidsLimit ? undefined : want;
}
