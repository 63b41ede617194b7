// Helpers of the packaging tests: helm against the test API server, the chart rendered with
// chosen values, and an identity bound to exactly the chart's RBAC.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { exec, execError, type ExecResult } from '../../src/local/exec.ts';
import { binary, runDir } from '../../src/local/paths.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { containersOf, env, eventually, EXAMPLES, getJson, kubectl, ROOT } from './support.ts';

export const CHART = join(ROOT, 'charts/native-container-operator');

export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

let helmHome: string | undefined;

/** Runs the cached helm against the test API server, with its config and cache out of ~. */
export async function helm(args: string[], opts: { allowFail?: boolean } = {}): Promise<ExecResult> {
  helmHome ??= runDir('helm-home');
  const res = await exec(binary('helm'), args, {
    env: {
      ...process.env,
      KUBECONFIG: env().kubeconfig,
      HELM_CONFIG_HOME: join(helmHome, 'config'),
      HELM_CACHE_HOME: join(helmHome, 'cache'),
      HELM_DATA_HOME: join(helmHome, 'data'),
    },
  });
  if (res.code !== 0 && opts.allowFail !== true) throw execError(`helm ${args.join(' ')}`, res);
  return res;
}

/** `helm template` of the chart as `release` in `namespace`; `args` adds --set, --show-only, ... */
export async function renderChart(release: string, namespace: string, args: string[] = []): Promise<string> {
  return (await helm(['template', release, CHART, '--namespace', namespace, ...args])).stdout;
}

export function objectsOf(yamlText: string): RenderedObject[] {
  return parseAllDocuments(yamlText)
    .map((doc) => doc.toJS() as RenderedObject | null)
    .filter((obj): obj is RenderedObject => obj !== null);
}

export interface Identity {
  serviceAccount: string;
  /** A kubeconfig whose only credential is a token the API server issued to that ServiceAccount. */
  kubeconfig: string;
  /** The ServiceAccount and RBAC objects, to delete afterwards. */
  manifests: string;
}

/** Applies the chart's ServiceAccount and RBAC (nothing else) and logs in as that ServiceAccount. */
export async function chartIdentity(release: string, namespace: string, args: string[] = []): Promise<Identity> {
  const manifests = await renderChart(release, namespace, [
    ...args,
    '--show-only=templates/serviceaccount.yaml',
    '--show-only=templates/rbac.yaml',
    '--show-only=templates/containerhost-rbac.yaml',
    '--show-only=templates/leader-election-rbac.yaml',
    '--show-only=templates/policy-rbac.yaml',
  ]);
  await kubectl(['apply', '-f', '-'], { input: manifests });
  const sa = objectsOf(manifests).find((o) => o.kind === 'ServiceAccount');
  if (sa === undefined) throw new Error('the chart rendered no ServiceAccount');
  const token = (await kubectl(['create', 'token', sa.metadata.name, '-n', namespace, '--duration=2h'])).stdout.trim();
  const admin = parse(readFileSync(env().kubeconfig, 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  };
  const cluster = admin.clusters[0]!.cluster;
  const kubeconfig = join(runDir(`identity-${release}`), 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster }],
    users: [{ name: sa.metadata.name, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'test', user: sa.metadata.name, namespace } }],
    'current-context': 'sa',
  };
  // Readable by all: the image test mounts it into a container that runs as uid 65532.
  writeFileSync(kubeconfig, stringify(config), { mode: 0o644 });
  return { serviceAccount: sa.metadata.name, kubeconfig, manifests };
}

/**
 * The hello example from kubectl apply through Ready to kubectl delete, with its Docker container
 * there while it lives and gone after. Fails early, with the operator's log, if the operator exits.
 */
export async function runHelloThroughItsLife(namespace: string, operator: ProcessHandle): Promise<void> {
  await kubectl(['apply', '-n', namespace, '-f', join(EXAMPLES, 'hello.yaml')]);
  await eventually(
    `nativecontainer ${namespace}/hello Ready`,
    async () => {
      const nc = await getJson<NativeContainer>(['get', '-n', namespace, 'nativecontainer', 'hello']);
      return nc.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    operator,
  );
  expect(await containersOf(namespace, 'hello')).toHaveLength(1);
  await kubectl(['delete', '-n', namespace, 'nativecontainer/hello', '--timeout=120s']);
  expect(await containersOf(namespace, 'hello')).toEqual([]);
}

/** The private dockerd's socket, which the image, TLS and SSH tests put behind their own front. */
export function dockerSocketPath(): string {
  const host = env().dockerHost;
  if (!host.startsWith('unix://')) throw new Error(`these tests need a unix socket; DOCKER_HOST is ${host}`);
  return host.slice('unix://'.length);
}
