// The README's first command: with no cluster configured, bring up a local kube-apiserver +
// etcd and a Docker daemon, install the CRDs, start the operator, apply the examples and show
// `kubectl get nc`. Runs until Ctrl-C, then deletes the examples (their containers go with
// them), stops the operator and everything it started. `--once` stops right after showing.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../src/local/control-plane.ts';
import { installCrds } from '../src/local/crds.ts';
import { buildTestImage, ensureDocker } from '../src/local/docker.ts';
import { kubectl } from '../src/local/kubectl.ts';
import { startOperatorProcess } from '../src/local/operator-process.ts';
import { binDir } from '../src/local/paths.ts';
import { stopAll, waitFor } from '../src/local/processes.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const EXAMPLES = join(ROOT, 'manifests/examples');
const once = process.argv.includes('--once');

function say(line: string): void {
  process.stdout.write(`==> ${line}\n`);
}

async function main(): Promise<void> {
  let t = performance.now();
  const lap = (): string => {
    const s = ((performance.now() - t) / 1000).toFixed(1);
    t = performance.now();
    return `${s} s`;
  };
  say('starting Docker (private dockerd unless NCO_DOCKER_HOST is set)');
  const docker = await ensureDocker();
  await buildTestImage(docker);
  say(`Docker ready at ${docker.host} (${lap()})`);
  say('starting etcd and kube-apiserver');
  const cp = await startControlPlane({ name: 'demo' });
  await installCrds(cp);
  say(`control plane ready at ${cp.server}, CRDs installed (${lap()})`);

  const operator = startOperatorProcess({
    name: 'demo-operator',
    kubeconfig: cp.kubeconfigPath,
    dockerHost: docker.host,
  });
  say(`operator started (pid ${operator.pid}), logs in ${operator.logFile}`);
  await kubectl(cp, ['apply', '-f', EXAMPLES]);
  await waitFor(
    'examples Ready',
    async () =>
      (await kubectl(cp, ['wait', '--for=condition=Ready', '--timeout=5s', 'nc', '--all'], { allowFail: true }))
        .code === 0,
    {
      timeoutMs: 120_000,
      process: operator,
    },
  );
  say(
    `examples applied and Ready (${lap()}): ${readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.yaml'))
      .join(', ')}`,
  );
  process.stdout.write(`\n$ kubectl get nc\n${(await kubectl(cp, ['get', 'nc', '-o', 'wide'])).stdout}\n`);

  const cleanup = async (): Promise<void> => {
    say('deleting the examples; the operator removes their containers');
    await kubectl(cp, ['delete', '-f', EXAMPLES, '--timeout=60s'], { allowFail: true });
    await stopAll();
  };
  if (once) return cleanup();
  say('try it:');
  process.stdout.write(
    `    export KUBECONFIG=${cp.kubeconfigPath} DOCKER_HOST=${docker.host} PATH=${binDir()}:$PATH\n` +
      '    kubectl get nc; kubectl describe nc hello; docker ps\n' +
      '    kubectl patch nc hello --type=merge -p \'{"spec":{"state":"Stopped"}}\'\n' +
      'Press Ctrl-C to stop: the examples are deleted and everything started here is stopped.\n',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await cleanup();
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await stopAll();
    process.exit(1);
  },
);
