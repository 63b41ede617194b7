import { exec, execError } from './exec.ts';
import type { ExecResult } from './exec.ts';
import { binary } from './paths.ts';

export interface KubectlOptions {
  input?: string;
  /** Return a non-zero exit instead of throwing. */
  allowFail?: boolean;
  /** Killed after this long (default exec's 120 s); one apply of 1,000 objects takes longer. */
  timeoutMs?: number;
}

/** Runs the cached kubectl against a control plane's kubeconfig. */
export async function kubectl(
  cp: { kubeconfigPath: string },
  args: string[],
  opts: KubectlOptions = {},
): Promise<ExecResult> {
  const res = await exec(binary('kubectl'), [`--kubeconfig=${cp.kubeconfigPath}`, ...args], {
    input: opts.input,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
  if (res.code !== 0 && opts.allowFail !== true) throw execError(`kubectl ${args.join(' ')}`, res);
  return res;
}
