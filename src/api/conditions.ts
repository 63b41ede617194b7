// Status conditions following Kubernetes API conventions (metav1.Condition) and kstatus,
// so `kubectl wait --for=condition=Ready`, Flux and Argo CD read them without plugins.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns the list with `next` set. lastTransitionTime changes only when the status flips,
 * as the conventions ask; reason, message and observedGeneration are always updated.
 */
export function setCondition(conditions: readonly Condition[], next: ConditionInput, now: Date): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now.toISOString();
  const updated: Condition = { ...next, lastTransitionTime };
  return old ? conditions.map((c) => (c.type === next.type ? updated : c)) : [...conditions, updated];
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}
