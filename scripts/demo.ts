// The README's first command: with no cluster configured, bring up a local kube-apiserver, etcd
// and kube-controller-manager and a Docker daemon, install the CRDs, start the operator, apply the
// examples and show `kubectl get nc`. Runs until Ctrl-C, then deletes the examples while the
// operator still runs (it removes their containers), waits for their containers to be gone, and
// stops everything it started. A second Ctrl-C stops everything at once. `--once` stops right after
// showing.
//
// Why it handles signals itself: a terminal's Ctrl-C signals the whole foreground process group.
// The processes started here have groups of their own (src/local/processes.ts), so they keep
// running until this program has cleaned up with them.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerFromHost } from '../src/backend/docker-backend.ts';
import { LABELS } from '../src/controllers/nativecontainer/identity.ts';
import { runAll } from '../src/local/cleanup.ts';
import { startControlPlane, type ControlPlane } from '../src/local/control-plane.ts';
import { installCrds } from '../src/local/crds.ts';
import { buildTestImage, ensureDocker, type DockerEnv } from '../src/local/docker.ts';
import { kubectl } from '../src/local/kubectl.ts';
import { startOperatorProcess } from '../src/local/operator-process.ts';
import { binDir } from '../src/local/paths.ts';
import { stopAll, waitFor, type ProcessHandle } from '../src/local/processes.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const EXAMPLES = join(ROOT, 'manifests/examples');
const once = process.argv.includes('--once');

function say(line: string): void {
  process.stdout.write(`==> ${line}\n`);
}

/** What has been started so far, for the cleanup. */
const started: { docker?: DockerEnv; cp?: ControlPlane; operator?: ProcessHandle } = {};

let signals = 0;
let interrupted: () => void = () => undefined;
const interruption = new Promise<void>((resolve) => (interrupted = resolve));
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals += 1;
    if (signals === 1) {
      process.stdout.write('\n');
      say('stopping: the examples are deleted first (Ctrl-C again to stop at once)');
      interrupted();
      return;
    }
    say('stopping at once');
    void stopAll().finally(() => process.exit(130));
  });
}

class Interrupted extends Error {}

/** Runs a start-up step unless Ctrl-C came first. */
async function step<T>(work: Promise<T>): Promise<T> {
  const result = await Promise.race([work, interruption.then(() => Interrupted)]);
  if (result === Interrupted) throw new Interrupted();
  return result as T;
}

async function start(): Promise<void> {
  let t = performance.now();
  const lap = (): string => {
    const s = ((performance.now() - t) / 1000).toFixed(1);
    t = performance.now();
    return `${s} s`;
  };
  say('starting Docker (private dockerd unless NCO_DOCKER_HOST is set)');
  const docker = await step(ensureDocker());
  started.docker = docker;
  await step(buildTestImage(docker));
  say(`Docker ready at ${docker.host} (${lap()})`);
  say('starting etcd, kube-apiserver and kube-controller-manager');
  const cp = await step(startControlPlane({ name: 'demo' }));
  started.cp = cp;
  await step(installCrds(cp));
  say(`control plane ready at ${cp.server}, CRDs installed (${lap()})`);
  const operator = startOperatorProcess({
    name: 'demo-operator',
    kubeconfig: cp.kubeconfigPath,
    dockerHost: docker.host,
  });
  started.operator = operator;
  say(`operator started (pid ${operator.pid}), logs in ${operator.logFile}`);
  await step(kubectl(cp, ['apply', '-f', EXAMPLES]));
  await step(
    waitFor(
      'examples Ready',
      async () =>
        (await kubectl(cp, ['wait', '--for=condition=Ready', '--timeout=5s', 'nc', '--all'], { allowFail: true }))
          .code === 0,
      { timeoutMs: 120_000, process: operator },
    ),
  );
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));
  say(`examples applied and Ready (${lap()}): ${files.join(', ')}`);
  process.stdout.write(`\n$ kubectl get nc -o wide\n${(await kubectl(cp, ['get', 'nc', '-o', 'wide'])).stdout}\n`);
}

/** Deletes the examples while the operator runs, waits for their containers, then stops everything. */
async function cleanup(): Promise<void> {
  const { docker, cp, operator } = started;
  await runAll([
    async () => {
      if (!cp || !docker || !operator || operator.hasExited()) return;
      say('deleting the examples; the operator removes their containers');
      await kubectl(cp, ['delete', '-f', EXAMPLES, '--wait=true', '--timeout=60s'], { allowFail: true });
      const client = dockerFromHost(docker.host);
      await waitFor(
        'example containers removed',
        async () =>
          (await client.listContainers({ all: true, filters: { label: [`${LABELS.ownerNamespace}=default`] } }))
            .length === 0,
        { timeoutMs: 60_000, process: operator },
      );
      say('the examples and their containers are gone');
    },
    () => operator?.stop(),
    () => cp?.stop(),
    () => docker?.stop(),
    () => stopAll(),
  ]);
  say('stopped everything started here');
}

async function main(): Promise<void> {
  try {
    await start();
    if (!once) {
      say('try it:');
      process.stdout.write(
        `    export KUBECONFIG=${started.cp!.kubeconfigPath} DOCKER_HOST=${started.docker!.host} PATH=${binDir()}:$PATH\n` +
          '    kubectl get nc; kubectl describe nc hello; docker ps\n' +
          '    kubectl patch nc hello --type=merge -p \'{"spec":{"state":"Stopped"}}\'\n' +
          'Press Ctrl-C to stop: the examples are deleted and everything started here is stopped.\n',
      );
      await interruption;
    }
  } catch (err) {
    if (!(err instanceof Interrupted)) {
      process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      await cleanup().catch(() => undefined);
      process.exit(1);
    }
  }
  await cleanup();
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`demo cleanup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);
