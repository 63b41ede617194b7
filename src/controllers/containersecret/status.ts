// The status of a ContainerSecret (pure): Ready with Verified, AuthFailed, SecretNotFound,
// InvalidSecret or RegistryUnreachable. Messages come from Docker and name Secrets and keys;
// they never carry a credential.
import { setCondition, type Condition, type ConditionInput } from '../../api/conditions.ts';
import type { ContainerSecret, ContainerSecretStatus } from '../../api/container-secret.ts';

export interface Verdict {
  reason: 'Verified' | 'AuthFailed' | 'SecretNotFound' | 'InvalidSecret' | 'InvalidSpec' | 'RegistryUnreachable';
  message: string;
}

/** Verdicts that wait for a change of the ContainerSecret or its Secret; the others are retried. */
export function isTerminal(v: Verdict): boolean {
  return v.reason !== 'Verified' && v.reason !== 'RegistryUnreachable';
}

export function computeSecretStatus(csec: ContainerSecret, verdict: Verdict, now: Date): ContainerSecretStatus {
  const generation = csec.metadata.generation ?? 0;
  const merged = conditionsOf(verdict).reduce<Condition[]>(
    (list, c) => setCondition(list, { ...c, observedGeneration: generation }, now),
    csec.status?.conditions ?? [],
  );
  const lastVerifiedTime = verifiedTime(csec, verdict, now);
  return {
    observedGeneration: generation,
    ...(lastVerifiedTime ? { lastVerifiedTime } : {}),
    conditions: merged,
  };
}

function conditionsOf(verdict: Verdict): ConditionInput[] {
  const ok = verdict.reason === 'Verified';
  const terminal = isTerminal(verdict);
  const waiting = 'Waiting for a change of the ContainerSecret or its Secret.';
  const reconciling: ConditionInput = ok
    ? { type: 'Reconciling', status: 'False', reason: 'Verified', message: 'The credentials work.' }
    : terminal
      ? { type: 'Reconciling', status: 'False', reason: verdict.reason, message: waiting }
      : { type: 'Reconciling', status: 'True', reason: verdict.reason, message: `Retrying: ${verdict.message}` };
  return [
    { type: 'Ready', status: ok ? 'True' : 'False', reason: verdict.reason, message: verdict.message },
    reconciling,
    terminal
      ? { type: 'Stalled', status: 'True', reason: verdict.reason, message: verdict.message }
      : { type: 'Stalled', status: 'False', reason: 'NotStalled', message: 'Progressing normally.' },
  ];
}

/** Moves only when Ready turns True, so a periodic re-check of working credentials writes nothing. */
function verifiedTime(csec: ContainerSecret, verdict: Verdict, now: Date): string | undefined {
  const before = csec.status?.lastVerifiedTime;
  if (verdict.reason !== 'Verified') return before;
  const wasReady = csec.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return wasReady && before ? before : now.toISOString();
}
