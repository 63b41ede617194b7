// The NativeContainerPolicy controller as the manager knows it: one worker that keeps the
// admission policy in line with every NativeContainerPolicy and writes each policy's status.
import type { Logger } from 'pino';
import { NATIVE_CONTAINER_POLICY } from '../../api/group.ts';
import type { NativeContainerPolicy } from '../../api/policy.ts';
import type { KubeClient } from '../../runtime/kube-client.ts';
import type { Manager } from '../../runtime/manager.ts';
import { ADMISSION_KEY, PolicyReconciler } from './reconcile.ts';

export const CONTROLLER_NAME = 'nativecontainerpolicy';

export interface PolicyControllerOptions {
  manager: Manager;
  client: KubeClient;
  log: Logger;
  admission: boolean;
}

export function registerPolicyController(o: PolicyControllerOptions): void {
  const policies = o.manager.informer<NativeContainerPolicy>(NATIVE_CONTAINER_POLICY);
  const reconciler = new PolicyReconciler({
    client: o.client,
    log: o.log,
    get: (key) => policies.get(key),
    list: () => policies.list(),
    admission: o.admission,
  });
  o.manager.add({
    name: CONTROLLER_NAME,
    for: NATIVE_CONTAINER_POLICY,
    reconcile: (key) => reconciler.reconcile(key),
    // One writer of the one admission policy.
    workers: 1,
    // With no policy at all the admission policy must still exist: it is the built-in default.
    extraKeys: () => [ADMISSION_KEY],
  });
}
