// The operator as a child process, the way a user runs it (`node src/main.ts`), with its log in
// a run dir. Health and metrics bind to loopback on kernel-chosen ports unless told otherwise,
// so any number of operators can run side by side.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDir } from './paths.ts';
import { startProcess, type ProcessHandle } from './processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface OperatorProcessOptions {
  name: string;
  kubeconfig: string;
  dockerHost: string;
  env?: Record<string, string>;
}

export function startOperatorProcess(o: OperatorProcessOptions): ProcessHandle {
  return startProcess({
    name: o.name,
    command: process.execPath,
    args: [join(ROOT, 'src/main.ts')],
    cwd: ROOT,
    logFile: join(runDir(o.name), 'operator.log'),
    env: {
      ...process.env,
      KUBECONFIG: o.kubeconfig,
      DOCKER_HOST: o.dockerHost,
      NCO_NETWORK_MODE: 'none',
      NCO_BIND_ADDRESS: '127.0.0.1',
      NCO_HEALTH_PORT: '0',
      NCO_METRICS_PORT: '0',
      ...o.env,
    },
  });
}
