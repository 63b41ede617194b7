// Why a build failed, as a condition reason and a message (pure). Docker's classic builder has
// no error codes, so the reason comes from where the error came (before the first step, during
// one, in the push) and from the registry's words for a refusal.
import { isUnauthorized } from '../../backend/docker-image-builder.ts';

export type FailureReason =
  | 'BuildFailed'
  | 'PushFailed'
  | 'RegistryAuthFailed'
  | 'TagExists'
  | 'Timeout'
  | 'InvalidDockerfile'
  | 'InvalidSpec'
  | 'SecretNotFound'
  | 'ConfigMapNotFound';

export interface Failure {
  reason: FailureReason;
  message: string;
}

/** A build error: before any step it is the Dockerfile's, during a step that step's. */
export function buildFailure(error: string, failedStep: string | undefined): Failure {
  if (isUnauthorized(error))
    return { reason: 'RegistryAuthFailed', message: `A base image registry refused the credentials: ${error}` };
  if (failedStep === undefined) return { reason: 'InvalidDockerfile', message: `The Dockerfile is invalid: ${error}` };
  return { reason: 'BuildFailed', message: `${failedStep} failed: ${error}` };
}

export function pushFailure(image: string, error: string): Failure {
  if (isUnauthorized(error))
    return { reason: 'RegistryAuthFailed', message: `The registry refused to let ${image} be pushed: ${error}` };
  return { reason: 'PushFailed', message: `Pushing ${image} failed: ${error}` };
}

export function timeoutFailure(seconds: number, during: string): Failure {
  return { reason: 'Timeout', message: `The build took longer than ${seconds}s and was aborted ${during}.` };
}
