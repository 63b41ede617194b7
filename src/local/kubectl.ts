import { exec, execError } from './exec.ts';
import type { ExecResult } from './exec.ts';
import { binary } from './paths.ts';

export interface KubectlOptions {
  input?: string;
  /** Return a non-zero exit instead of throwing. */
  allowFail?: boolean;
}

/** Runs the cached kubectl against a control plane's kubeconfig. */
export async function kubectl(
  cp: { kubeconfigPath: string },
  args: string[],
  opts: KubectlOptions = {},
): Promise<ExecResult> {
  const res = await exec(binary('kubectl'), [`--kubeconfig=${cp.kubeconfigPath}`, ...args], {
    input: opts.input,
  });
  if (res.code !== 0 && opts.allowFail !== true) throw execError(`kubectl ${args.join(' ')}`, res);
  return res;
}
