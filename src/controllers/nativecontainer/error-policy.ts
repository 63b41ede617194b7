// The error policy of the NativeContainer controller: the one place a typed error becomes a
// condition reason with a message a user understands (cert-manager's named checks) and the
// Action that follows (kube-rs' error_policy). Pure.
//
//   terminal (Stalled): waits for a change of the resource or of what it refers to
//   DockerUnreachable:  waits for the engine; the reflector enqueues the key when it answers
//   anything else:      retried with the key's exponential backoff
import type { NativeContainerReason } from '../../api/reasons.ts';
import {
  EngineUnavailableError,
  ImagePullError,
  InvalidConfigError,
  type PullFailure,
} from '../../backend/container-backend.ts';
import { AWAIT_CHANGE, BACKOFF, requeueAfter, type Action } from '../../runtime/controller.ts';
import { errorMessage } from '../../runtime/errors.ts';
import { BlockedError } from './execute.ts';
import { UnresolvedReferenceError } from './references.ts';

/** Why the reconcile could not finish, if it could not. */
export interface Problem {
  reason: NativeContainerReason;
  message: string;
  /** Terminal: retrying cannot help until the resource or what it refers to changes (Stalled). */
  terminal: boolean;
}

export interface ProblemContext {
  /** The plan replaced a container that still exists: say that it keeps running. */
  rebuilding: boolean;
  hasSecretRef: boolean;
  deleting: boolean;
  /** The ContainerHost the resource is on. */
  host: string;
}

/** Safety net while waiting for an engine; its return enqueues the key at once. */
export const ENGINE_RECHECK_MS = 30_000;

const PULL_REASONS: Record<PullFailure, { reason: NativeContainerReason; terminal: boolean }> = {
  Unauthorized: { reason: 'RegistryAuthFailed', terminal: true },
  NotFound: { reason: 'ImageNotFound', terminal: true },
  InvalidReference: { reason: 'InvalidSpec', terminal: true },
  Unreachable: { reason: 'ImagePullFailed', terminal: false },
  Failed: { reason: 'ImagePullFailed', terminal: false },
};

export function classify(err: unknown, ctx: ProblemContext): Problem {
  const kept = ctx.rebuilding ? ' The existing container is kept as it was.' : '';
  if (err instanceof EngineUnavailableError) return unreachable(err.endpoint, err.message, ctx);
  if (err instanceof ImagePullError) {
    const { reason, terminal } = PULL_REASONS[err.kind];
    const hint =
      err.kind === 'Unauthorized' && !ctx.hasSecretRef ? ' The registry wants credentials: set spec.secretRef.' : '';
    return { reason, terminal, message: `Pulling ${err.image} failed: ${err.message}.${hint}${kept}` };
  }
  if (err instanceof UnresolvedReferenceError) return { reason: err.reason, terminal: true, message: err.message };
  // Never-pull of an absent image: someone may load it, so keep looking (with backoff).
  if (err instanceof BlockedError) {
    return {
      reason: err.reason as NativeContainerReason,
      terminal: false,
      message: `${capitalize(err.message)}.${kept}`,
    };
  }
  if (err instanceof InvalidConfigError) {
    return { reason: 'InvalidSpec', terminal: true, message: `Docker refused the container: ${err.message}.${kept}` };
  }
  return { reason: 'DockerError', terminal: false, message: errorMessage(err) };
}

/** The engine of the resource's host does not answer: say which, and what happens when it does. */
export function unreachable(endpoint: string, why: string, ctx: Pick<ProblemContext, 'deleting' | 'host'>): Problem {
  const next = ctx.deleting
    ? 'The container is removed as soon as it answers again; the resource stays until then.'
    : 'The operator acts as soon as it answers again; the container is left as it is meanwhile.';
  return {
    reason: 'DockerUnreachable',
    terminal: false,
    message: `Docker on host ${ctx.host} (${endpoint}) is not answering: ${why}. ${next}`,
  };
}

export function actionFor(problem: Problem): Action {
  if (problem.terminal) return AWAIT_CHANGE;
  if (problem.reason === 'DockerUnreachable') return requeueAfter(ENGINE_RECHECK_MS);
  return BACKOFF;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
