// The status of a NativeContainer, computed from what was gathered (pure). Ready is True only
// when the container does what the spec asks and nothing is left to do, so
// `kubectl wait --for=condition=Ready` after a change waits for that change.
//
// What the operator must remember lives in explicit fields, each changed only by what it means:
// restartRequest (the last restart request carried out) and stoppedOnRequest (the container is
// stopped because the spec said Stopped). Neither changes while the engine cannot be seen.
import { setCondition, type Condition, type ConditionInput } from '../../api/conditions.ts';
import type { LastRestart, NativeContainer, NativeContainerStatus, PortStatus } from '../../api/native-container.ts';
import type { NativeContainerReason, NativeContainerState } from '../../api/reasons.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';
import { exitPolicyOf } from './desired.ts';
import type { Problem } from './error-policy.ts';
import { exitDecision, type ExitDecision } from './exit-restarts.ts';
import {
  consecutiveRestarts,
  onUnhealthyOf,
  oneLine,
  PROBE_OUTPUT_LIMIT,
  truncate,
  unhealthyDecision,
} from './health.ts';
import { checksRegistry, digestOf, latestFor, observeImage, rollbackActive, sameDigest } from './image-update.ts';

/**
 * What the operator keeps for itself in status, carried from one status to the next unless a
 * reconcile changes it: restart counting and back-off, the stopped unhealthy container, the
 * last probe, and the image update record.
 */
const KEPT_FIELDS = [
  // The binding to a host (placement): changed only by a placement.
  'host',
  'placementGeneration',
  'restartBase',
  'lastRestart',
  'unhealthyRestarts',
  'exitRestarts',
  'stoppedUnhealthy',
  'startRefused',
  'lastProbe',
  'latestDigest',
  'lastUpdateCheck',
  'imageHistory',
  'pendingUpdate',
  'rollback',
] as const;
export type Kept = Pick<NativeContainerStatus, (typeof KEPT_FIELDS)[number]>;
/** Changes of kept fields: a value sets, null clears. */
export type KeptChanges = { [K in keyof Kept]?: Kept[K] | null };

/** The registry could not be asked for the tag's digest: why, for the UpdateAvailable condition. */
export interface UpdateCheckFailure {
  message: string;
}

/** Work under way (a pull, a rebuild, a deletion), written before it starts and while it runs. */
export interface Progress {
  reason: NativeContainerReason;
  message: string;
  state: NativeContainerState;
}

export interface StatusInput {
  nc: NativeContainer;
  /** The container that stands for the resource, as last seen (stale while the engine is away). */
  container: ObservedContainer | undefined;
  /** False while the host's engine cannot be seen: what is remembered is kept as it was. */
  engineSeen: boolean;
  problem?: Problem;
  progress?: Progress;
  /** The plan for the observed container is not empty: there is still something to do. */
  pending?: boolean;
  /** The restart request now carried out, when this reconcile finished its plan. */
  restartRequest?: string;
  /** Kept fields this reconcile changes (after a plan, an update check, a judgement). */
  changes?: KeptChanges;
  /** The last registry check failed (not kept: the next check says again). */
  updateCheckFailure?: UpdateCheckFailure;
  /** Conditions set as given after the others (Scheduled, HostReady: placement). */
  extraConditions?: ConditionInput[];
  now: Date;
}

type ConditionOf = ConditionInput & { reason: NativeContainerReason };

export function computeStatus(input: StatusInput): NativeContainerStatus {
  const { nc, container, problem, now } = input;
  const generation = nc.metadata.generation ?? 0;
  const ready = readiness(input);
  const conditions = [
    ready,
    reconciling(input, ready),
    problem?.terminal
      ? { type: 'Stalled', status: 'True' as const, reason: problem.reason, message: problem.message }
      : { type: 'Stalled', status: 'False' as const, reason: 'NotStalled', message: 'Progressing normally.' },
  ].reduce<Condition[]>(
    (list, c) => setCondition(list, { ...c, observedGeneration: generation }, now),
    nc.status?.conditions ?? [],
  );
  const restartRequest = input.restartRequest ?? nc.status?.restartRequest;
  const stoppedOnRequest = rememberStop(input);
  const kept = keptFields(input);
  return {
    observedGeneration: generation,
    state: oneWord(input),
    ...(container ? containerFields(container) : {}),
    ...(container ? { restartCount: restartCountOf(kept, container, input.changes) } : {}),
    ...(restartRequest !== undefined ? { restartRequest } : {}),
    ...(stoppedOnRequest ? { stoppedOnRequest } : {}),
    ...kept,
    conditions: withExtra(input, updateConditions(input, kept, conditions)),
  };
}

/** The extra conditions of the input (placement's), set last. */
function withExtra(input: StatusInput, conditions: Condition[]): Condition[] {
  const generation = input.nc.metadata.generation ?? 0;
  return (input.extraConditions ?? []).reduce<Condition[]>(
    (list, c) => setCondition(list, { ...c, observedGeneration: generation }, input.now),
    conditions,
  );
}

/** The kept fields: the last status's, this reconcile's changes, and what the container shows. */
function keptFields(input: StatusInput): Kept {
  const k = carried(input);
  // Without spec.image (imageFrom before the build's image is put in) the rollback cannot be judged: kept.
  if (input.nc.spec.image !== undefined && !rollbackActive(input.nc.spec, k)) delete k.rollback;
  const c = input.container;
  return c && input.engineSeen ? observed(input, k, c) : k;
}

/** The last status's kept fields with this reconcile's changes (null clears). */
function carried(input: StatusInput): Kept {
  const before = input.nc.status ?? {};
  const kept: Kept = {};
  for (const field of KEPT_FIELDS) {
    const change = input.changes?.[field];
    const value = change === undefined ? before[field] : change;
    if (value !== null && value !== undefined) (kept as Record<string, unknown>)[field] = value;
  }
  return kept;
}

/** A refused start is over once the container is another one, or runs after all (a restartRequest). */
function forgetRefusedStart(input: StatusInput, k: Kept, c: ObservedContainer): void {
  if (!k.startRefused || input.changes?.startRefused !== undefined) return;
  if (k.startRefused.containerID !== c.id || c.state === 'running') delete k.startRefused;
}

/** What the container shows: its last probe, its restarts by Docker, the digest it runs. */
function observed(input: StatusInput, k: Kept, c: ObservedContainer): Kept {
  if (c.lastProbe) k.lastProbe = { ...c.lastProbe, output: truncate(c.lastProbe.output.trim(), PROBE_OUTPUT_LIMIT) };
  // Written right after the stop, the container is still seen running: kept; cleared once it runs again.
  const justStopped = input.changes?.stoppedUnhealthy !== undefined;
  if (k.stoppedUnhealthy && !justStopped && (k.stoppedUnhealthy !== c.id || c.state === 'running')) {
    delete k.stoppedUnhealthy;
  }
  if (k.restartBase && k.restartBase.containerID !== c.id) delete k.restartBase;
  if (k.exitRestarts && k.exitRestarts.containerID !== c.id) delete k.exitRestarts;
  forgetRefusedStart(input, k, c);
  const restart = policyRestart(input, k, c);
  if (restart) k.lastRestart = restart;
  return { ...k, ...observeImage(input.nc.spec, k, c, input.now) };
}

/**
 * Restarts of the container: Docker's count under its restart policy, plus what was counted
 * before Docker last reset it (a start or restart through the API resets it to 0).
 */
function restartCountOf(kept: Kept, c: ObservedContainer, changes: KeptChanges | undefined): number {
  // Written right after a start or restart: Docker's count (in this older snapshot) is now 0.
  return changes?.restartBase ? baseOf(kept, c) : restartsSoFar(kept, c);
}

/** The restarts counted so far: before Docker last reset its count, and since. */
export function restartsSoFar(kept: Kept | undefined, c: ObservedContainer): number {
  return baseOf(kept, c) + (c.restartCount ?? 0);
}

function baseOf(kept: Kept | undefined, c: ObservedContainer): number {
  return kept?.restartBase?.containerID === c.id ? kept.restartBase.count : 0;
}

/** Docker restarted the container under its restart policy since the last status: why. */
function policyRestart(input: StatusInput, kept: Kept, c: ObservedContainer): LastRestart | undefined {
  const before = input.nc.status;
  if (input.changes?.restartBase || before?.containerID !== c.id) return undefined;
  const seenByDocker = (before.restartCount ?? 0) - baseOf(kept, c);
  if ((c.restartCount ?? 0) <= seenByDocker) return undefined;
  const exitCode = c.lastExitCode !== undefined ? { exitCode: c.lastExitCode } : {};
  return { reason: c.oomKilled ? 'OOMKilled' : 'Exited', at: c.startedAt ?? input.now.toISOString(), ...exitCode };
}

/** UpdateAvailable (while the registry is asked) and RolledBack (once a rollback happened). */
function updateConditions(input: StatusInput, kept: Kept, conditions: Condition[]): Condition[] {
  const { nc, now } = input;
  const generation = nc.metadata.generation ?? 0;
  const set = (list: Condition[], c: ConditionOf): Condition[] =>
    setCondition(list, { ...c, observedGeneration: generation }, now);
  let list = conditions.filter((c) => c.type !== 'UpdateAvailable' || checksRegistry(nc.spec));
  const available = updateAvailable(input, kept);
  if (available) list = set(list, available);
  if (kept.rollback) {
    list = set(list, { type: 'RolledBack', status: 'True', reason: 'RolledBack', message: kept.rollback.message });
  } else if (list.some((c) => c.type === 'RolledBack' && c.status === 'True')) {
    list = set(list, {
      type: 'RolledBack',
      status: 'False',
      reason: 'NoRollback',
      message: 'No rollback is in force: the tag moved, spec.image changed or a rebuild was requested.',
    });
  }
  return list;
}

function updateAvailable(input: StatusInput, kept: Kept): ConditionOf | undefined {
  const spec = input.nc.spec;
  if (!checksRegistry(spec)) return undefined;
  const type = 'UpdateAvailable';
  if (input.updateCheckFailure) {
    return { type, status: 'Unknown', reason: 'UpdateCheckFailed', message: input.updateCheckFailure.message };
  }
  // A failed check is said until the next check, not overwritten by the digest found before it.
  const before = input.nc.status?.conditions?.find((c) => c.type === type);
  if (before?.reason === 'UpdateCheckFailed' && !input.changes?.lastUpdateCheck) return undefined;
  const latest = latestFor(spec, kept);
  return latest ? comparedToLatest(spec.image, latest, input.container?.imageDigest, kept) : undefined;
}

function comparedToLatest(image: string, latest: string, running: string | undefined, kept: Kept): ConditionOf {
  const type = 'UpdateAvailable';
  const tag = `${image} is ${digestOf(latest)}`;
  if (kept.rollback && sameDigest(latest, kept.rollback.from)) {
    const message = `${tag}, which was rolled back; waiting for the tag to move again.`;
    return { type, status: 'False', reason: 'RolledBack', message };
  }
  if (sameDigest(latest, running)) {
    return {
      type,
      status: 'False',
      reason: 'UpToDate',
      message: `Running ${image} at its latest digest ${digestOf(latest)}.`,
    };
  }
  const runs = digestOf(running) ?? 'an image without a registry digest';
  return {
    type,
    status: 'True',
    reason: 'UpdateAvailable',
    message: `${tag} in its registry; the container runs ${runs}.`,
  };
}

/** Set when the spec says Stopped; cleared once the container is seen up; otherwise kept. */
function rememberStop(input: StatusInput): boolean {
  const before = input.nc.status?.stoppedOnRequest ?? false;
  if (!input.engineSeen) return before;
  if ((input.nc.spec.state ?? 'Running') === 'Stopped') return true;
  const state = input.container?.state;
  if (state === 'running' || state === 'paused' || state === 'restarting') return false;
  return before;
}

function containerFields(c: ObservedContainer): NativeContainerStatus {
  const finished = c.state === 'exited' || c.state === 'dead';
  return {
    containerID: c.id,
    // docker ps shows 12 characters; `kubectl get nc -o wide` shows this field.
    containerShortID: c.id.slice(0, 12),
    imageID: c.imageId,
    ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
    ...(c.startedAt ? { startedAt: c.startedAt } : {}),
    ...(c.finishedAt ? { finishedAt: c.finishedAt } : {}),
    ...(finished && c.exitCode !== undefined ? { exitCode: c.exitCode } : {}),
    ...(c.health ? { health: c.health } : {}),
    ...(c.ports && c.ports.length > 0 ? { ports: c.ports.map(portStatus) } : {}),
  };
}

function portStatus(p: NonNullable<ObservedContainer['ports']>[number]): PortStatus {
  return {
    containerPort: p.containerPort,
    protocol: p.protocol.toUpperCase(),
    ...(p.hostIP ? { hostIP: p.hostIP } : {}),
    ...(p.hostPort !== undefined ? { hostPort: p.hostPort } : {}),
  };
}

function notReady(reason: NativeContainerReason, message: string): ConditionOf {
  return { type: 'Ready', status: 'False', reason, message };
}

function readiness(input: StatusInput): ConditionOf {
  const { container: c, problem, progress } = input;
  if (problem) return notReady(problem.reason, problem.message);
  if (progress) return notReady(progress.reason, progress.message);
  if (!c) return notReady('Creating', 'The container does not exist yet.');
  const ready = containerReadiness(input, c);
  if (ready.status === 'True' && input.pending)
    return notReady('Reconciling', 'The container is being brought in line with the spec.');
  return ready;
}

function containerReadiness(input: StatusInput, c: ObservedContainer): ConditionOf {
  const wanted = input.nc.spec.state ?? 'Running';
  const id = c.id.slice(0, 12);
  if (wanted === 'Stopped') {
    return c.state === 'running' || c.state === 'paused' || c.state === 'restarting'
      ? notReady('Stopping', `Container ${id} is ${c.state}; desired state is Stopped.`)
      : { type: 'Ready', status: 'True', reason: 'Stopped', message: `Container ${id} is stopped, as desired.` };
  }
  if (wanted === 'Paused') {
    return c.state === 'paused'
      ? { type: 'Ready', status: 'True', reason: 'Paused', message: `Container ${id} is paused, as desired.` }
      : notReady('Pausing', `Container ${id} is ${c.state}; desired state is Paused.`);
  }
  return runningReadiness(input, c, id);
}

function runningReadiness(input: StatusInput, c: ObservedContainer, id: string): ConditionOf {
  if (c.state === 'running') return healthReadiness(input, c, id);
  if (input.nc.status?.stoppedUnhealthy === c.id && !input.pending) {
    return notReady(
      'Unhealthy',
      `Container ${id} was stopped because it failed its healthcheck (onUnhealthy: Stop); a restartRequest or a change of the spec starts it again.`,
    );
  }
  if (c.state === 'restarting') {
    return notReady(
      'CrashLooping',
      `Container ${id} keeps exiting (exit code ${c.exitCode ?? '?'}); Docker restarts it.`,
    );
  }
  return exitedReadiness(input, c, id);
}

/** Not running: exited for good, waiting for the operator's next restart, or on its way. */
function exitedReadiness(input: StatusInput, c: ObservedContainer, id: string): ConditionOf {
  const exit = c.state === 'exited' || c.state === 'dead' ? exitOf(input, c) : undefined;
  if (exit?.kind === 'wait') {
    const due = new Date(exit.dueMs).toISOString();
    return notReady(
      'CrashLooping',
      `Container ${id} keeps exiting (${exit.cause}); the operator starts it again at ${due} (back-off).`,
    );
  }
  if (exitedForGood(input, c)) {
    const completed = c.exitCode === 0;
    return notReady(
      completed ? 'Completed' : 'Failed',
      `Container ${id} exited with code ${c.exitCode ?? '?'}; its restart policy does not restart it. A restartRequest runs it again.`,
    );
  }
  return notReady(stateReason(c.state), `Container ${id} is ${c.state}; desired state is Running.`);
}

function healthReadiness(input: StatusInput, c: ObservedContainer, id: string): ConditionOf {
  if (c.health === 'unhealthy') return notReady('Unhealthy', unhealthyMessage(input, c, id));
  if (c.health === 'starting') {
    return notReady('Starting', `Container ${id} is running; waiting for its first successful healthcheck.`);
  }
  const healthy = c.health === 'healthy' ? ' and healthy' : '';
  return { type: 'Ready', status: 'True', reason: 'Running', message: `Container ${id} is running${healthy}.` };
}

function reconciling(input: StatusInput, ready: ConditionOf): ConditionOf {
  const { problem, progress } = input;
  if (problem?.terminal) {
    return {
      type: 'Reconciling',
      status: 'False',
      reason: problem.reason,
      message: `Waiting for a change of the resource or what it refers to: ${problem.message}`,
    };
  }
  if (problem)
    return { type: 'Reconciling', status: 'True', reason: problem.reason, message: `Retrying: ${problem.message}` };
  if (progress) return { type: 'Reconciling', status: 'True', reason: progress.reason, message: progress.message };
  if (input.pending || ready.reason === 'Starting' || ready.reason === 'Creating') {
    return { type: 'Reconciling', status: 'True', reason: ready.reason, message: ready.message };
  }
  return { type: 'Reconciling', status: 'False', reason: 'Reconciled', message: 'The container matches the spec.' };
}

function oneWord(input: StatusInput): NativeContainerState {
  const { container: c, problem, progress } = input;
  if (progress) return progress.state;
  if (problem?.reason === 'DockerUnreachable') return input.nc.metadata.deletionTimestamp ? 'Deleting' : 'Unknown';
  if (!c) return withoutContainer(problem);
  if ((input.nc.spec.state ?? 'Running') === 'Running' && exitedForGood(input, c)) {
    return c.exitCode === 0 ? 'Completed' : 'Failed';
  }
  return stateWord(c.state);
}

function withoutContainer(problem: Problem | undefined): NativeContainerState {
  if (!problem) return 'Creating';
  return problem.terminal ? 'Error' : 'Pending';
}

/** Exited, and neither Docker (its restart policy) nor the operator will start it again. */
function exitedForGood(input: StatusInput, c: ObservedContainer): boolean {
  if (c.state !== 'exited' && c.state !== 'dead') return false;
  if (c.stoppedByEngine || (input.nc.status?.stoppedOnRequest ?? false)) return false;
  return exitOf(input, c).kind === 'none';
}

/** What the restart policy does about the exited container (exit-restarts.ts). */
function exitOf(input: StatusInput, c: ObservedContainer): ExitDecision {
  const exit = exitPolicyOf(input.nc.spec);
  return exitDecision(c, exit, input.nc.status?.exitRestarts, input.now.getTime());
}

const STATE_WORDS: Record<ObservedContainer['state'], NativeContainerState> = {
  created: 'Created',
  running: 'Running',
  paused: 'Paused',
  restarting: 'Restarting',
  removing: 'Removing',
  exited: 'Exited',
  dead: 'Dead',
};

function stateWord(state: ObservedContainer['state']): NativeContainerState {
  return STATE_WORDS[state];
}

function stateReason(state: ObservedContainer['state']): NativeContainerReason {
  return STATE_WORDS[state] as NativeContainerReason;
}

/** Unhealthy, with the failed probe's output and what the operator does about it (the planner's decision). */
function unhealthyMessage(input: StatusInput, c: ObservedContainer, id: string): string {
  const output = c.lastProbe ? oneLine(c.lastProbe.output, 200) : '';
  const failed = `Container ${id} fails its healthcheck${output ? `: ${output}` : ''}.`;
  const memory = input.nc.status?.unhealthyRestarts;
  const decision = unhealthyDecision(c, onUnhealthyOf(input.nc.spec), memory, input.now.getTime());
  switch (decision.kind) {
    case 'none':
      return `${failed} onUnhealthy is None: it is left running.`;
    case 'stop':
      return `${failed} onUnhealthy is Stop: stopping it.`;
    case 'wait': {
      const restarts = consecutiveRestarts(memory, input.now.getTime());
      const due = new Date(decision.dueMs).toISOString();
      return `${failed} Back-off: ${restarts} restarts for failed healthchecks; the next at ${due}.`;
    }
    case 'restart':
      return `${failed} Restarting it.`;
  }
}
