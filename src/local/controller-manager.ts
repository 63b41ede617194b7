// A real kube-controller-manager running only the controllers a test needs (for the quota
// test: resourcequota-controller, which fills in ResourceQuota status; quota admission refuses
// creates until it has one). No HTTPS serving, no leader election; stopped by its PID.
import { join } from 'node:path';
import { binary, runDir } from './paths.ts';
import { startProcess, type ProcessHandle } from './processes.ts';

export interface ControllerManagerOptions {
  kubeconfigPath: string;
  controllers: string[];
  name?: string;
}

export function startControllerManager(opts: ControllerManagerOptions): ProcessHandle {
  const dir = runDir(opts.name ?? 'kube-controller-manager');
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
