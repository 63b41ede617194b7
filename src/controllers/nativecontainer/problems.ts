// Named checks that turn a failure into a condition reason and a human message (pure), in the
// manner of cert-manager: the reason goes into Ready/Stalled and into a Warning Event.
import { ImagePullError, InvalidConfigError, type PullFailure } from '../../backend/container-backend.ts';
import { errorMessage } from '../../runtime/errors.ts';
import { BlockedError } from './execute.ts';
import { UnresolvedReferenceError } from './references.ts';
import type { Problem } from './status.ts';

export interface ProblemContext {
  /** The plan replaced a container that still exists: say that it keeps running. */
  rebuilding: boolean;
  hasSecretRef: boolean;
}

const PULL_REASONS: Record<PullFailure, { reason: string; terminal: boolean }> = {
  Unauthorized: { reason: 'RegistryAuthFailed', terminal: true },
  NotFound: { reason: 'ImageNotFound', terminal: true },
  InvalidReference: { reason: 'InvalidSpec', terminal: true },
  Unreachable: { reason: 'ImagePullFailed', terminal: false },
  Failed: { reason: 'ImagePullFailed', terminal: false },
};

export function problemOf(err: unknown, ctx: ProblemContext): Problem {
  const kept = ctx.rebuilding ? ' The existing container is kept as it was.' : '';
  if (err instanceof ImagePullError) {
    const { reason, terminal } = PULL_REASONS[err.kind];
    const hint =
      err.kind === 'Unauthorized' && !ctx.hasSecretRef ? ' The registry wants credentials: set spec.secretRef.' : '';
    return { reason, terminal, message: `Pulling ${err.image} failed: ${err.message}.${hint}${kept}` };
  }
  if (err instanceof UnresolvedReferenceError) return { reason: err.reason, terminal: true, message: err.message };
  // Never-pull of an absent image: someone may load it, so keep looking (with backoff).
  if (err instanceof BlockedError)
    return { reason: err.reason, terminal: false, message: `${capitalize(err.message)}.${kept}` };
  if (err instanceof InvalidConfigError) {
    return { reason: 'InvalidSpec', terminal: true, message: `Docker refused the container: ${err.message}.${kept}` };
  }
  return { reason: 'BackendError', terminal: false, message: errorMessage(err) };
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
