// What the operator does about a container Docker marks unhealthy (pure). Docker itself only
// reports it (moby#28400); spec.healthcheck.onUnhealthy says Restart, Stop or None. Restarts back
// off as the kubelet's CrashLoopBackOff does: the first at once, then 10 s, doubling to 5 min,
// and the count starts again after 10 minutes without an unhealthy restart.
import type { NativeContainerSpec, OnUnhealthy } from '../../api/native-container.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';

export const BACKOFF_FIRST_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
export const BACKOFF_RESET_MS = 600_000;
/** Probe output kept in status and shown in Events: Docker keeps up to 4 KiB of it. */
export const PROBE_OUTPUT_LIMIT = 1024;

/** Consecutive unhealthy restarts and the time of the last one (status.unhealthyRestarts). */
export interface UnhealthyRestarts {
  count: number;
  at: string;
}

export type UnhealthyDecision =
  | { kind: 'none' }
  | { kind: 'restart'; cause: string; output: string }
  | { kind: 'stop'; cause: string; output: string }
  /** Back-off: the next restart is due at `dueMs`. */
  | { kind: 'wait'; dueMs: number; output: string };

/** Undefined without a healthcheck; Restart when the field is absent (an object the API server did not default). */
export function onUnhealthyOf(spec: NativeContainerSpec): OnUnhealthy | undefined {
  return spec.healthcheck ? (spec.healthcheck.onUnhealthy ?? 'Restart') : undefined;
}

/** The restarts that count for the back-off at `nowMs`: none after 10 minutes without one. */
export function consecutiveRestarts(memory: UnhealthyRestarts | undefined, nowMs: number): number {
  if (!memory) return 0;
  return nowMs - Date.parse(memory.at) >= BACKOFF_RESET_MS ? 0 : memory.count;
}

/** How long after the last unhealthy restart the next one may come. */
export function backoffMs(consecutive: number): number {
  if (consecutive <= 0) return 0;
  return Math.min(BACKOFF_FIRST_MS * 2 ** (consecutive - 1), BACKOFF_MAX_MS);
}

/** `onUnhealthy` is undefined without a healthcheck. */
export function unhealthyDecision(
  c: ObservedContainer,
  onUnhealthy: OnUnhealthy | undefined,
  memory: UnhealthyRestarts | undefined,
  nowMs: number,
): UnhealthyDecision {
  if (!onUnhealthy || c.state !== 'running' || c.health !== 'unhealthy') return { kind: 'none' };
  const policy = onUnhealthy;
  if (policy === 'None') return { kind: 'none' };
  const output = probeOutput(c);
  const failed = output ? `its healthcheck failed: ${oneLine(output, 200)}` : 'its healthcheck failed';
  if (policy === 'Stop') return { kind: 'stop', cause: `unhealthy, onUnhealthy is Stop: ${failed}`, output };
  const consecutive = consecutiveRestarts(memory, nowMs);
  const dueMs = memory && consecutive > 0 ? Date.parse(memory.at) + backoffMs(consecutive) : nowMs;
  if (nowMs < dueMs) return { kind: 'wait', dueMs, output };
  return { kind: 'restart', cause: `unhealthy: ${failed}`, output };
}

/** The memory after an unhealthy restart at `nowMs`. */
export function afterUnhealthyRestart(memory: UnhealthyRestarts | undefined, now: Date): UnhealthyRestarts {
  return { count: consecutiveRestarts(memory, now.getTime()) + 1, at: now.toISOString() };
}

/** The last probe's output, trimmed and truncated for status and Events. */
export function probeOutput(c: ObservedContainer): string {
  return truncate((c.lastProbe?.output ?? '').trim(), PROBE_OUTPUT_LIMIT);
}

export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

/** Whitespace runs as one space, truncated: a probe's output inside a sentence. */
export function oneLine(text: string, limit: number): string {
  return truncate(text.replace(/\s+/g, ' ').trim(), limit);
}
