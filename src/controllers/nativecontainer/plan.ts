// The planner: desired + observed -> operations. Pure: no I/O, no clock, no randomness.
// Operations are data with a cause, so tests compare printed plans and the causes go into
// Events and condition messages.
import type { ObservedContainer } from '../../backend/container-backend.ts';
import { LABELS } from '../../backend/labels.ts';
import type { Desired } from './desired.ts';
import type { Observed } from './observe.ts';

export type Operation =
  | { type: 'Pull'; image: string; cause: string }
  | { type: 'Create'; cause: string }
  | { type: 'Start'; target: Target; cause: string }
  | { type: 'Stop'; target: Target; cause: string }
  | { type: 'Remove'; target: Target; cause: string };

/** The container an operation acts on: an existing one, or the one Create makes in this plan. */
export type Target = { id: string } | 'created';

export interface PlanInput {
  desired: Desired;
  observed: Observed;
  deleting: boolean;
}

export function plan({ desired, observed, deleting }: PlanInput): Operation[] {
  const ops: Operation[] = observed.stale.map((c) => remove(c, 'left by an earlier resource of the same name'));
  if (deleting) return [...ops, ...observed.owned.flatMap((c) => stopAndRemove(c, 'resource is being deleted'))];

  // Keep the newest matching container; any other is a duplicate or outdated.
  const [keep, ...extra] = [...observed.owned].sort(byPreference(desired.hash));
  ops.push(...extra.map((c) => remove(c, 'duplicate container for one resource')));

  if (!keep) return [...ops, ...createAndMaybeStart(desired, observed, 'container does not exist')];
  if (keep.labels[LABELS.configHash] !== desired.hash) {
    // Pull comes first so the old container keeps running while the new image downloads.
    return [
      ...ops,
      ...pullIfMissing(desired, observed),
      ...stopAndRemove(keep, 'configuration changed: the container is rebuilt'),
      ...createAndMaybeStart(desired, { ...observed, imagePresent: true }, 'rebuild with the new configuration'),
    ];
  }
  return [...ops, ...converge(keep, desired)];
}

function converge(c: ObservedContainer, desired: Desired): Operation[] {
  const running = isRunning(c);
  if (desired.state === 'Running' && !running)
    return [{ type: 'Start', target: { id: c.id }, cause: `container is ${c.state}` }];
  if (desired.state === 'Stopped' && running)
    return [{ type: 'Stop', target: { id: c.id }, cause: 'desired state is Stopped' }];
  return [];
}

function createAndMaybeStart(desired: Desired, observed: Observed, cause: string): Operation[] {
  const ops: Operation[] = [...pullIfMissing(desired, observed), { type: 'Create', cause }];
  if (desired.state === 'Running') ops.push({ type: 'Start', target: 'created', cause: 'desired state is Running' });
  return ops;
}

function pullIfMissing(desired: Desired, observed: Observed): Operation[] {
  return observed.imagePresent ? [] : [{ type: 'Pull', image: desired.config.image, cause: 'image not present' }];
}

/** A graceful stop first gives the process its stop signal and grace period; remove alone would kill it. */
function stopAndRemove(c: ObservedContainer, cause: string): Operation[] {
  const stop: Operation[] = isRunning(c) ? [{ type: 'Stop', target: { id: c.id }, cause }] : [];
  return [...stop, remove(c, cause)];
}

function isRunning(c: ObservedContainer): boolean {
  return c.state === 'running' || c.state === 'restarting' || c.state === 'paused';
}

function remove(c: ObservedContainer, cause: string): Operation {
  return { type: 'Remove', target: { id: c.id }, cause };
}

/** Containers with the desired hash first, then running ones, then the most recently started. */
function byPreference(hash: string): (a: ObservedContainer, b: ObservedContainer) => number {
  const score = (c: ObservedContainer): number =>
    (c.labels[LABELS.configHash] === hash ? 2 : 0) + (c.state === 'running' ? 1 : 0);
  return (a, b) =>
    score(b) - score(a) || (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || a.id.localeCompare(b.id);
}

/** One line an operation: "Remove 0123456789ab (configuration changed)". */
export function formatPlan(ops: readonly Operation[]): string {
  return ops.map(formatOperation).join('\n');
}

export function formatOperation(op: Operation): string {
  if (op.type === 'Pull') return `Pull ${op.image} (${op.cause})`;
  if (op.type === 'Create') return `Create (${op.cause})`;
  const target = op.target === 'created' ? 'new container' : op.target.id.slice(0, 12);
  return `${op.type} ${target} (${op.cause})`;
}
