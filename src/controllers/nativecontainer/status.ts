// The status of a NativeContainer, computed from what was observed after acting (pure).
import { setCondition, type Condition, type ConditionInput } from '../../api/conditions.ts';
import type { NativeContainer, NativeContainerStatus } from '../../api/native-container.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';

/** Why the reconcile could not finish, if it could not. */
export interface Problem {
  reason: string;
  message: string;
  /** Terminal: retrying cannot help until the resource changes (Stalled). */
  terminal: boolean;
}

export interface StatusInput {
  nc: NativeContainer;
  container: ObservedContainer | undefined;
  problem?: Problem;
  now: Date;
}

export function computeStatus({ nc, container, problem, now }: StatusInput): NativeContainerStatus {
  const generation = nc.metadata.generation ?? 0;
  const ready = readiness(nc, container, problem);
  const conditions = [
    ready,
    reconciling(problem, ready),
    problem?.terminal
      ? { type: 'Stalled', status: 'True' as const, reason: problem.reason, message: problem.message }
      : { type: 'Stalled', status: 'False' as const, reason: 'NotStalled', message: 'Progressing normally.' },
  ].reduce<Condition[]>(
    (list, c) => setCondition(list, { ...c, observedGeneration: generation }, now),
    nc.status?.conditions ?? [],
  );
  return {
    observedGeneration: generation,
    state: oneWord(container, problem),
    ...(container ? { containerID: container.id } : {}),
    conditions,
  };
}

function readiness(
  nc: NativeContainer,
  c: ObservedContainer | undefined,
  problem: Problem | undefined,
): ConditionInput {
  const wanted = nc.spec.state ?? 'Running';
  const notReady = (reason: string, message: string): ConditionInput => ({
    type: 'Ready',
    status: 'False',
    reason,
    message,
  });
  if (problem) return notReady(problem.reason, problem.message);
  if (!c) return notReady('Creating', 'The container does not exist yet.');
  if (wanted === 'Running' && c.state === 'running') {
    return { type: 'Ready', status: 'True', reason: 'Running', message: `Container ${c.id.slice(0, 12)} is running.` };
  }
  if (wanted === 'Stopped' && c.state !== 'running' && c.state !== 'paused' && c.state !== 'restarting') {
    return {
      type: 'Ready',
      status: 'True',
      reason: 'Stopped',
      message: `Container ${c.id.slice(0, 12)} is stopped, as desired.`,
    };
  }
  return notReady(capitalize(c.state), `Container ${c.id.slice(0, 12)} is ${c.state}; desired state is ${wanted}.`);
}

function reconciling(problem: Problem | undefined, ready: ConditionInput): ConditionInput {
  if (problem?.terminal) {
    return {
      type: 'Reconciling',
      status: 'False',
      reason: problem.reason,
      message: `Waiting for a change of the resource: ${problem.message}`,
    };
  }
  if (problem && !problem.terminal)
    return { type: 'Reconciling', status: 'True', reason: problem.reason, message: `Retrying: ${problem.message}` };
  if (!problem && ready.status !== 'True')
    return { type: 'Reconciling', status: 'True', reason: ready.reason, message: ready.message };
  return { type: 'Reconciling', status: 'False', reason: 'Reconciled', message: 'The container matches the spec.' };
}

function oneWord(c: ObservedContainer | undefined, problem: Problem | undefined): string {
  if (problem?.terminal) return 'Error';
  if (!c) return problem ? 'Pending' : 'Creating';
  return capitalize(c.state);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
