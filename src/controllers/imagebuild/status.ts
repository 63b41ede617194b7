// The status of an ImageBuild (pure): phase, conditions (Ready when the image is pushed,
// Reconciling while a build is under way, Stalled when it failed and waits for a change), the
// last image pushed (kept when a later build fails: NativeContainers stay on it), and a history
// of the last builds.
import { setCondition, type Condition, type ConditionInput } from '../../api/conditions.ts';
import type { BuildProgress, BuildRecord, ImageBuild, ImageBuildStatus } from '../../api/image-build.ts';
import type { Failure } from './failure.ts';

/** Builds kept in status.history. */
export const HISTORY = 5;

export interface Pushed {
  image: string;
  digest: string;
  size?: number;
}

export type BuildState =
  /** Waiting: for a build slot on the host, or for something the spec refers to. */
  | { phase: 'Pending'; reason: 'Waiting' | 'SecretNotFound' | 'ConfigMapNotFound'; message: string }
  | { phase: 'Building' | 'Pushing'; startedAt: Date; progress?: BuildProgress; output: string[] }
  | { phase: 'Succeeded'; startedAt: Date; output: string[]; pushed: Pushed }
  | { phase: 'Failed'; startedAt?: Date; output: string[]; failure: Failure };

/** `inputsVersion`: of what this build reads (see inputs.ts); undefined keeps the last one. */
export function computeBuildStatus(
  ib: ImageBuild,
  state: BuildState,
  now: Date,
  inputsVersion?: string,
): ImageBuildStatus {
  const generation = ib.metadata.generation ?? 0;
  const before = ib.status ?? {};
  const conditions = conditionsOf(state, generation).reduce<Condition[]>(
    (list, c) => setCondition(list, c, now),
    before.conditions ?? [],
  );
  return {
    observedGeneration: generation,
    phase: state.phase,
    ...buildFields(state, before),
    ...(state.phase === 'Succeeded' ? pushedFields(state.pushed) : lastPushed(before)),
    ...endFields(state, before, generation, now),
    ...((inputsVersion ?? before.inputsVersion) !== undefined
      ? { inputsVersion: inputsVersion ?? before.inputsVersion }
      : {}),
    conditions,
  };
}

/** Progress while building; the output of this build, or of the last one while pending. */
function buildFields(state: BuildState, before: ImageBuildStatus): Partial<ImageBuildStatus> {
  const progress = (state.phase === 'Building' || state.phase === 'Pushing') && state.progress;
  const output = 'output' in state ? state.output : before.output;
  const startedAt = 'startedAt' in state ? state.startedAt : undefined;
  return {
    ...(progress ? { progress } : {}),
    ...(output ? { output } : {}),
    ...(startedAt ? { startedAt: startedAt.toISOString() } : {}),
  };
}

/** When a build ended, and its record at the head of the history. */
function endFields(
  state: BuildState,
  before: ImageBuildStatus,
  generation: number,
  now: Date,
): Partial<ImageBuildStatus> {
  if (state.phase !== 'Succeeded' && state.phase !== 'Failed') return before.history ? { history: before.history } : {};
  return {
    completedAt: now.toISOString(),
    history: withRecord(before.history ?? [], recordOf(state, generation, now)),
  };
}

/** The newest record first, at most HISTORY of them. */
export function withRecord(history: readonly BuildRecord[], record: BuildRecord | undefined): BuildRecord[] {
  return (record ? [record, ...history] : [...history]).slice(0, HISTORY);
}

function recordOf(
  state: Extract<BuildState, { phase: 'Succeeded' | 'Failed' }>,
  generation: number,
  now: Date,
): BuildRecord {
  const seconds = state.startedAt ? (now.getTime() - state.startedAt.getTime()) / 1000 : 0;
  return {
    generation,
    result: state.phase,
    reason: state.phase === 'Succeeded' ? 'Succeeded' : state.failure.reason,
    ...(state.phase === 'Succeeded' ? { digest: state.pushed.digest } : {}),
    durationSeconds: Math.round(seconds * 10) / 10,
    completedAt: now.toISOString(),
  };
}

function pushedFields(p: Pushed): Partial<ImageBuildStatus> {
  return {
    image: p.image,
    imageDigest: p.digest,
    shortDigest: p.digest.replace(/^sha256:/, '').slice(0, 12),
    ...(p.size !== undefined ? { imageSize: p.size } : {}),
  };
}

function lastPushed(s: ImageBuildStatus): Partial<ImageBuildStatus> {
  const { image, imageDigest, shortDigest, imageSize } = s;
  return {
    ...(image !== undefined ? { image } : {}),
    ...(imageDigest !== undefined ? { imageDigest } : {}),
    ...(shortDigest !== undefined ? { shortDigest } : {}),
    ...(imageSize !== undefined ? { imageSize } : {}),
  };
}

function conditionsOf(state: BuildState, generation: number): ConditionInput[] {
  const at = (c: Omit<ConditionInput, 'observedGeneration'>): ConditionInput => ({
    ...c,
    observedGeneration: generation,
  });
  const notStalled = at({ type: 'Stalled', status: 'False', reason: 'NotStalled', message: 'Progressing normally.' });
  switch (state.phase) {
    case 'Pending': {
      const stalled = state.reason !== 'Waiting';
      return [
        at({ type: 'Ready', status: 'False', reason: state.reason, message: state.message }),
        at({ type: 'Reconciling', status: stalled ? 'False' : 'True', reason: state.reason, message: state.message }),
        stalled ? at({ type: 'Stalled', status: 'True', reason: state.reason, message: state.message }) : notStalled,
      ];
    }
    case 'Building':
    case 'Pushing': {
      const message = state.phase === 'Building' ? building(state.progress) : 'Pushing the image.';
      return [
        at({ type: 'Ready', status: 'False', reason: state.phase, message }),
        at({ type: 'Reconciling', status: 'True', reason: state.phase, message }),
        notStalled,
      ];
    }
    case 'Succeeded': {
      const message = `Pushed ${state.pushed.image}.`;
      return [
        at({ type: 'Ready', status: 'True', reason: 'Succeeded', message }),
        at({ type: 'Reconciling', status: 'False', reason: 'Succeeded', message }),
        notStalled,
      ];
    }
    case 'Failed': {
      const { reason, message } = state.failure;
      return [
        at({ type: 'Ready', status: 'False', reason, message }),
        at({
          type: 'Reconciling',
          status: 'False',
          reason,
          message: 'Waiting for a change of the spec (or a new buildRequest).',
        }),
        at({ type: 'Stalled', status: 'True', reason, message }),
      ];
    }
  }
}

function building(p: BuildProgress | undefined): string {
  return p ? `Building: step ${p.step} of ${p.steps} (${p.instruction}).` : 'Building.';
}

/**
 * Nothing to do until a change: the current generation was pushed, or its build failed with
 * the inputs it has now (a changed Secret, ConfigMap or ContainerSecret runs a failed build again).
 */
export function isFinished(ib: ImageBuild, inputsVersion: string): boolean {
  const s = ib.status;
  if (s?.observedGeneration !== ib.metadata.generation) return false;
  return s?.phase === 'Succeeded' || (s?.phase === 'Failed' && s.inputsVersion === inputsVersion);
}
