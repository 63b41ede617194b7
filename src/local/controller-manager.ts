// A real kube-controller-manager with only the controllers asked for: the embedded control plane
// runs EMBEDDED_CONTROLLERS (namespace deletion, garbage collection, ResourceQuota usage, as every
// cluster does). No HTTPS serving, no leader election; stopped by its PID.
import { join } from 'node:path';
import { binary, runDir } from './paths.ts';
import { startProcess, type ProcessHandle } from './processes.ts';

export interface ControllerManagerOptions {
  kubeconfigPath: string;
  controllers: string[];
  name?: string;
  /** Where its log goes; a fresh run dir of `name` by default. */
  dir?: string;
}

/**
 * What the embedded control plane runs, as every cluster does: namespace deletion, garbage
 * collection of owned objects, and ResourceQuota usage.
 */
export const EMBEDDED_CONTROLLERS = [
  'namespace-controller',
  'garbage-collector-controller',
  'resourcequota-controller',
  // Folds roles labelled aggregate-to-view/edit/admin into view, edit and admin.
  'clusterrole-aggregation-controller',
];

export function startControllerManager(opts: ControllerManagerOptions): ProcessHandle {
  const dir = opts.dir ?? runDir(opts.name ?? 'kube-controller-manager');
  return startProcess({
    name: 'kube-controller-manager',
    command: binary('kube-controller-manager'),
    args: [
      `--kubeconfig=${opts.kubeconfigPath}`,
      `--controllers=${opts.controllers.join(',')}`,
      '--leader-elect=false',
      '--secure-port=0',
      '--use-service-account-credentials=false',
      // A short full resync bounds how stale "used" can get; changes are counted at once anyway.
      '--resource-quota-sync-period=10s',
      '--v=2',
    ],
    logFile: join(dir, 'kube-controller-manager.log'),
  });
}
