// Helpers of the end-to-end tests: the operator as a real child process, kubectl, and
// a dockerode client to look at what the operator did.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { inject } from 'vitest';
import { dockerFromHost } from '../../src/backend/docker-backend.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { kubectl as runKubectl, type KubectlOptions } from '../../src/local/kubectl.ts';
import type { ExecResult } from '../../src/local/exec.ts';
import { startOperatorProcess } from '../../src/local/operator-process.ts';
import { freePort, waitFor, type ProcessHandle } from '../../src/local/processes.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES = join(ROOT, 'manifests/examples');

export function env(): { kubeconfig: string; dockerHost: string } {
  return { kubeconfig: inject('kubeconfig'), dockerHost: inject('dockerHost') };
}

export function docker(): Docker {
  return dockerFromHost(env().dockerHost);
}

export async function kubectl(args: string[], opts: KubectlOptions = {}): Promise<ExecResult> {
  return runKubectl({ kubeconfigPath: env().kubeconfig }, args, opts);
}

/** Starts `node src/main.ts` as a user would run it, logging to a file shown when a wait fails. */
export function startOperator(name: string, extraEnv: Record<string, string> = {}): ProcessHandle {
  return startOperatorProcess({
    name: `operator-${name}`,
    kubeconfig: env().kubeconfig,
    dockerHost: env().dockerHost,
    env: { LOG_LEVEL: 'debug', ...extraEnv },
  });
}

/** A fresh namespace per test file keeps tests apart. */
export async function createNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  await kubectl(['create', 'namespace', ns]);
  return ns;
}

/** Docker containers owned by namespace/name, by label, running or not. */
export async function containersOf(namespace: string, name: string): Promise<Docker.ContainerInfo[]> {
  return docker().listContainers({
    all: true,
    filters: { label: [`${LABELS.ownerNamespace}=${namespace}`, `${LABELS.ownerName}=${name}`] },
  });
}

export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  operator?: ProcessHandle,
): Promise<void> {
  await waitFor(what, () => Promise.resolve(check()), {
    timeoutMs: 90_000,
    intervalMs: 200,
    ...(operator ? { process: operator } : {}),
  });
}

export async function getJson<T>(args: string[]): Promise<T> {
  return JSON.parse((await kubectl([...args, '-o', 'json'])).stdout) as T;
}

export interface OperatorWithEndpoints {
  handle: ProcessHandle;
  healthUrl: string;
  metricsUrl: string;
}

/** Like startOperator, on known free ports, for tests that read /metrics, /healthz and /readyz. */
export async function startOperatorWithEndpoints(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<OperatorWithEndpoints> {
  const [health, metrics] = [await freePort(), await freePort()];
  const handle = startOperator(name, {
    NCO_HEALTH_PORT: String(health),
    NCO_METRICS_PORT: String(metrics),
    ...extraEnv,
  });
  return { handle, healthUrl: `http://127.0.0.1:${health}`, metricsUrl: `http://127.0.0.1:${metrics}` };
}

/** The value of one sample of a Prometheus text exposition, or 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return 0;
}
