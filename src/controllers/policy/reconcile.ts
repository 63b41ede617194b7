// The NativeContainerPolicy reconciler: keeps the ValidatingAdmissionPolicy and its binding in
// line with the policies (admission.ts generates them from the whole set), and says in each
// policy's status how it is enforced. Any key recomputes the whole admission policy, so one
// worker and a level-triggered write (only when the generated object's hash changed) suffice.
//
// Guarantees: with admission enabled, after a policy changes the admission policy reflects every
// policy in the informer's cache; it is written only when what it says changed. The operator's
// own enforcement (the NativeContainer reconciler) does not depend on any of this.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { setCondition, type ConditionInput } from '../../api/conditions.ts';
import { clusterObjectPath, GROUP, NATIVE_CONTAINER_POLICY } from '../../api/group.ts';
import type { NativeContainerPolicy } from '../../api/policy.ts';
import { AWAIT_CHANGE, requeueAfter, type Action } from '../../runtime/controller.ts';
import { errorMessage } from '../../runtime/errors.ts';
import { isNotFound, type KubeClient } from '../../runtime/kube-client.ts';
import { writeStatus } from '../../runtime/status-writer.ts';
import { admissionBinding, admissionPolicy, ADMISSION_POLICY_NAME } from '../../policy/admission.ts';

/** The key that stands for the admission policy itself: visited at start even with no policy. */
export const ADMISSION_KEY = '(admission)';

const VAP_PATH = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';
const BINDING_PATH = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings';
const HASH_ANNOTATION = `${GROUP}/generated-hash`;
const RETRY_MS = 30_000;

export interface PolicyReconcilerDeps {
  client: KubeClient;
  log: Logger;
  get: (key: string) => NativeContainerPolicy | undefined;
  list: () => NativeContainerPolicy[];
  /** Write the admission policy (NCO_ADMISSION_POLICY, default true). */
  admission: boolean;
  now?: () => Date;
}

type AdmissionState = { kind: 'written' } | { kind: 'disabled' } | { kind: 'failed'; message: string };

interface Stored {
  metadata: { resourceVersion?: string; annotations?: Record<string, string> };
}

export class PolicyReconciler {
  private readonly o: Required<PolicyReconcilerDeps>;

  constructor(deps: PolicyReconcilerDeps) {
    this.o = { now: () => new Date(), ...deps };
  }

  readonly reconcile = async (key: string): Promise<Action> => {
    const state = await this.syncAdmission();
    if (key !== ADMISSION_KEY) await this.writePolicyStatus(key, state);
    return state.kind === 'failed' ? requeueAfter(RETRY_MS) : AWAIT_CHANGE;
  };

  private async syncAdmission(): Promise<AdmissionState> {
    if (!this.o.admission) return { kind: 'disabled' };
    try {
      const policies = this.o.list();
      await this.ensure(VAP_PATH, admissionPolicy(policies));
      await this.ensure(BINDING_PATH, admissionBinding());
      return { kind: 'written' };
    } catch (err) {
      const message = errorMessage(err);
      this.o.log.warn({ err: message }, 'could not write the admission policy; the operator still enforces policies');
      return { kind: 'failed', message };
    }
  }

  /** Creates or replaces the object when the hash of what it should say differs from the stored one. */
  private async ensure(
    collection: string,
    desired: { metadata: { name: string; annotations?: Record<string, string> } },
  ): Promise<void> {
    const hash = createHash('sha256').update(JSON.stringify(desired)).digest('hex').slice(0, 16);
    const body = {
      ...desired,
      metadata: { ...desired.metadata, annotations: { ...desired.metadata.annotations, [HASH_ANNOTATION]: hash } },
    };
    const path = `${collection}/${desired.metadata.name}`;
    let stored: Stored | undefined;
    try {
      stored = await this.o.client.get<Stored>(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!stored) {
      await this.o.client.create(collection, body);
      this.o.log.info({ name: desired.metadata.name, hash }, 'admission object created');
      return;
    }
    if (stored.metadata.annotations?.[HASH_ANNOTATION] === hash) return;
    await this.o.client.request('PUT', path, {
      body: { ...body, metadata: { ...body.metadata, resourceVersion: stored.metadata.resourceVersion } },
    });
    this.o.log.info({ name: desired.metadata.name, hash }, 'admission object updated');
  }

  private async writePolicyStatus(key: string, state: AdmissionState): Promise<void> {
    const policy = this.o.get(key);
    if (!policy || policy.metadata.deletionTimestamp) return;
    const generation = policy.metadata.generation;
    const condition: ConditionInput = {
      type: 'Ready',
      ...readiness(state),
      ...(generation ? { observedGeneration: generation } : {}),
    };
    const status = {
      ...(generation ? { observedGeneration: generation } : {}),
      conditions: setCondition(policy.status?.conditions ?? [], condition, this.o.now()),
    };
    await writeStatus(
      this.o.client,
      clusterObjectPath(NATIVE_CONTAINER_POLICY, policy.metadata.name),
      policy.status,
      status,
    );
  }
}

function readiness(state: AdmissionState): Pick<ConditionInput, 'status' | 'reason' | 'message'> {
  switch (state.kind) {
    case 'written':
      return {
        status: 'True',
        reason: 'Enforced',
        message: `Enforced at admission by ValidatingAdmissionPolicy ${ADMISSION_POLICY_NAME}, and by the operator before it creates or changes a container.`,
      };
    case 'disabled':
      return {
        status: 'True',
        reason: 'EnforcedByOperator',
        message:
          'Enforced by the operator before it creates or changes a container (reason PolicyViolation). The operator does not manage the admission policy (NCO_ADMISSION_POLICY=false), so kubectl apply does not refuse a violation.',
      };
    case 'failed':
      return {
        status: 'False',
        reason: 'AdmissionPolicyNotWritten',
        message: `The operator could not write ValidatingAdmissionPolicy ${ADMISSION_POLICY_NAME}: ${state.message}. It still refuses violations itself (reason PolicyViolation); kubectl apply does not. Retried every ${RETRY_MS / 1000} s.`,
      };
  }
}
