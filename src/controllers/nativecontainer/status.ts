// The status of a NativeContainer, computed from what was gathered (pure). Ready is True only
// when the container does what the spec asks and nothing is left to do, so
// `kubectl wait --for=condition=Ready` after a change waits for that change.
//
// What the operator must remember lives in explicit fields, each changed only by what it means:
// restartRequest (the last restart request carried out) and stoppedOnRequest (the container is
// stopped because the spec said Stopped). Neither changes while the engine cannot be seen.
import { setCondition, type Condition, type ConditionInput } from '../../api/conditions.ts';
import type { NativeContainer, NativeContainerStatus, PortStatus } from '../../api/native-container.ts';
import type { NativeContainerReason, NativeContainerState } from '../../api/reasons.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';
import type { Problem } from './error-policy.ts';

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
  return {
    observedGeneration: generation,
    state: oneWord(input),
    ...(container ? containerFields(container) : {}),
    ...(restartRequest !== undefined ? { restartRequest } : {}),
    ...(stoppedOnRequest ? { stoppedOnRequest } : {}),
    conditions,
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
    restartCount: c.restartCount ?? 0,
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
  if (c.state === 'running') return healthReadiness(c, id);
  if (c.state === 'restarting') {
    return notReady(
      'CrashLooping',
      `Container ${id} keeps exiting (exit code ${c.exitCode ?? '?'}); Docker restarts it.`,
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

function healthReadiness(c: ObservedContainer, id: string): ConditionOf {
  if (c.health === 'unhealthy') return notReady('Unhealthy', `Container ${id} fails its healthcheck.`);
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
  const policy = input.nc.spec.restartPolicy ?? 'Always';
  if (policy === 'Always' || policy === 'UnlessStopped') return false;
  return !c.stoppedByEngine && !(input.nc.status?.stoppedOnRequest ?? false);
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
