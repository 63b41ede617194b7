// What happens when a container exits by itself (pure).
//
// Docker's restart policy restarts a container wherever its daemon runs, also when a daemon comes
// back after a crash or a reboot, before anyone can ask its API. For a container that may be
// placed on another host (spec.placement.rescheduleAfterSeconds) that would start a stale copy
// next to the one that moved. Such a container is created with Docker's policy `no`, and the
// operator carries out spec.restartPolicy itself, only on hosts it can reach and only for the
// copy bound there. Its restarts follow Docker's restart manager (moby daemon/restartmanager):
// the first at once, then 200 ms doubling to a minute, starting over after a run of 10 s or
// more; OnFailure restarts on a non-zero exit, at most maxRetries times (0: no limit).
import type { RestartPolicy } from '../../api/native-container.ts';
import type { ObservedContainer } from '../../backend/container-backend.ts';

export const FIRST_DELAY_MS = 100;
export const MAX_DELAY_MS = 60_000;
/** A run this long starts the back-off over (Docker's restart manager: 10 s). */
export const RESET_AFTER_RUN_MS = 10_000;

/** spec.restartPolicy and who carries it out. */
export interface ExitPolicy {
  policy: RestartPolicy;
  /** OnFailure: at most this many restarts; 0 is no limit. */
  maxRetries: number;
  /** The operator restarts the container (Docker's policy is `no`), because it may move to another host. */
  byOperator: boolean;
}

/** The operator's restarts of one container after it exited (status.exitRestarts). */
export interface ExitRestarts {
  containerID: string;
  /** Restarts so far, for OnFailure's maxRetries. */
  count: number;
  /** The delay before the last one, for the back-off. */
  delayMs: number;
  /** When the operator restarted it last. */
  at: string;
}

export type ExitDecision =
  /** It stays exited: the policy does not restart it (or no more). */
  | { kind: 'none' }
  | { kind: 'restart'; cause: string; delayMs: number }
  /** Back-off: the next restart is due at `dueMs`. */
  | { kind: 'wait'; dueMs: number; cause: string };

/** Docker's policy (or the operator) restarts it whatever the exit code. */
export function restartsAlways(exit: ExitPolicy): boolean {
  return exit.policy === 'Always' || exit.policy === 'UnlessStopped';
}

/**
 * What to do about a container that exited by itself, at `nowMs` (undefined: as soon as allowed).
 * Without the operator in charge, Docker's policy has already had its say: a container it left
 * exited is started again only under Always or UnlessStopped (a stop by hand is drift).
 */
export function exitDecision(
  c: ObservedContainer,
  exit: ExitPolicy,
  memory: ExitRestarts | undefined,
  nowMs: number | undefined,
): ExitDecision {
  const code = exitCodeOf(c);
  const cause = `exited with code ${code}; restartPolicy is ${exit.policy}`;
  if (!exit.byOperator) return restartsAlways(exit) ? { kind: 'restart', cause, delayMs: 0 } : { kind: 'none' };
  const m = memory?.containerID === c.id ? memory : undefined;
  const count = m?.count ?? 0;
  if (!restartsAfter(exit, code, count)) return { kind: 'none' };
  const { delayMs, dueMs } = backoff(c, m);
  if (nowMs !== undefined && nowMs < dueMs) return { kind: 'wait', dueMs, cause };
  const retries =
    exit.policy === 'OnFailure' && exit.maxRetries > 0 ? ` (retry ${count + 1} of ${exit.maxRetries})` : '';
  return { kind: 'restart', cause: `${cause}${retries}`, delayMs };
}

/** The exit code of the last run: Docker's, else the die event's. */
export function exitCodeOf(c: ObservedContainer): number {
  return c.exitCode ?? c.lastExitCode ?? 0;
}

function restartsAfter(exit: ExitPolicy, code: number, count: number): boolean {
  if (restartsAlways(exit)) return true;
  if (exit.policy !== 'OnFailure' || code === 0) return false;
  return exit.maxRetries === 0 || count < exit.maxRetries;
}

/**
 * The delay of this restart and when it is due. The first comes at once. Later ones wait the
 * delay after the exit, in the operator's clock: its last restart plus how long the run lasted
 * (both ends of the run read from Docker's clock, so the two clocks are never compared).
 */
function backoff(c: ObservedContainer, m: ExitRestarts | undefined): { delayMs: number; dueMs: number } {
  if (!m) return { delayMs: FIRST_DELAY_MS, dueMs: Number.NEGATIVE_INFINITY };
  const ran = runMs(c);
  const delayMs = ran >= RESET_AFTER_RUN_MS ? FIRST_DELAY_MS : Math.min(m.delayMs * 2, MAX_DELAY_MS);
  return { delayMs, dueMs: Date.parse(m.at) + ran + delayMs };
}

/** The memory after the operator restarted the container at `now`. */
export function afterExitRestart(
  memory: ExitRestarts | undefined,
  containerID: string,
  delayMs: number,
  now: Date,
): ExitRestarts {
  const count = memory?.containerID === containerID ? memory.count : 0;
  return { containerID, count: count + 1, delayMs, at: now.toISOString() };
}

/** How long the last run lasted, from Docker's start and finish times (0 when unknown). */
function runMs(c: ObservedContainer): number {
  if (!c.startedAt || !c.finishedAt) return 0;
  const ran = Date.parse(c.finishedAt) - Date.parse(c.startedAt);
  return Number.isFinite(ran) && ran > 0 ? ran : 0;
}
