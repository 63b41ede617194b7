// The operator as a child process, the way a user runs it (`node src/main.ts` as `npm run
// start:dev`, or the compiled `node dist/main.js` as `npm start` and the image), with its log in
// a run dir. Health and metrics bind to loopback on kernel-chosen ports unless told otherwise,
// so any number of operators can run side by side.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exec, execError } from './exec.ts';
import { runDir } from './paths.ts';
import { startProcess, type ProcessHandle } from './processes.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface OperatorProcessOptions {
  name: string;
  kubeconfig: string;
  dockerHost: string;
  env?: Record<string, string>;
  /** `dist`: the compiled operator (build it first with `buildOperator`); default the sources. */
  from?: 'src' | 'dist';
}

/** Compiles the operator into dist/ as `npm start` does. */
export async function buildOperator(): Promise<void> {
  const res = await exec(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.build.json')]);
  if (res.code !== 0) throw execError('tsc -p tsconfig.build.json', res);
}

export function startOperatorProcess(o: OperatorProcessOptions): ProcessHandle {
  return startProcess({
    name: o.name,
    command: process.execPath,
    args: [join(ROOT, o.from === 'dist' ? 'dist/main.js' : 'src/main.ts')],
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
