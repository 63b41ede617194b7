// ImageBuild: from the request to build until the container that runs the new image is running,
// against doing it by hand in the same run: `docker build` and `docker push` with the docker CLI,
// then create and start the container through the API. Each build has a line of its own, so no
// layer comes from the cache, and both sides build the same Dockerfile on the same daemon.
//   npm run bench -- --only=imagebuild
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCli } from '../src/local/docker-cli.ts';
import { execError } from '../src/local/exec.ts';
import { kubectl } from '../src/local/kubectl.ts';
import { startRegistry, type Registry } from '../src/local/registry.ts';
import { TEST_IMAGE } from '../src/local/test-image.ts';
import { waitFor } from '../src/local/processes.ts';
import { p50 } from './raw.ts';
import type { Row } from './report.ts';
import { CMD, NS, RAW_LABEL, type Bench } from './setup.ts';

const REPEATS = 5;

const dockerfile = (nonce: string): string => `FROM ${TEST_IMAGE}\nRUN echo ${nonce} > /nonce\n`;

export async function imageBuild(b: Bench): Promise<Row[]> {
  const registry = await startRegistry({ username: 'bench', password: `pw-${Date.now().toString(36)}` });
  try {
    await credentials(b, registry);
    const raw: number[] = [];
    const ours: number[] = [];
    const roll: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      raw.push(await byHand(b, registry, i));
      const r = await throughOperator(b, registry, i);
      ours.push(r.total);
      roll.push(r.roll);
    }
    await kubectl(b.cp, ['delete', 'nc,ib', '-n', NS, '-l', 'bench=imagebuild', '--timeout=300s']);
    return [
      {
        key: 'imagebuild',
        scenario: 'ImageBuild + NativeContainer imageFrom: build request -> container running, p50',
        raw: p50(raw),
        operator: p50(ours),
        unit: 'ms',
        goal: { ratio: 1.5 },
        detail: { builds: REPEATS, rawMin: Math.min(...raw), operatorMin: Math.min(...ours) },
      },
      {
        key: 'imagebuild-roll',
        scenario: 'ImageBuild Succeeded (seen in status) -> its container running, p50',
        operator: p50(roll),
        unit: 'ms',
        goal: { max: 2000 },
        detail: { min: Math.min(...roll), max: Math.max(...roll) },
      },
    ];
  } finally {
    await registry.stop();
  }
}

async function credentials(b: Bench, registry: Registry): Promise<void> {
  const objects = [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench-push' }, stringData: { password: registry.password } },
    {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'ContainerSecret',
      metadata: { name: 'bench-push' },
      spec: { server: registry.host, username: registry.username, passwordSecretRef: { name: 'bench-push' } },
    },
  ];
  for (const o of objects) await kubectl(b.cp, ['apply', '-n', NS, '-f', '-'], { input: JSON.stringify(o) });
}

/** docker build && docker push, then create and start: the time until start returns. */
async function byHand(b: Bench, registry: Registry, i: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'nco-bench-build-'));
  const image = `${registry.host}/bench/raw${i}:1`;
  const host = { host: b.dockerEnv.host };
  const run = async (what: string, args: string[], input?: string): Promise<string> => {
    const res = await dockerCli(host, args, { input });
    if (res.code !== 0) throw execError(what, res);
    return res.stdout;
  };
  try {
    writeFileSync(join(dir, 'Dockerfile'), dockerfile(`raw-${i}-${Date.now()}`));
    await run('docker login', ['login', registry.host, '-u', registry.username, '--password-stdin'], registry.password);
    const t0 = performance.now();
    await run('docker build', ['build', '-q', '-t', image, dir]);
    const pushed = await run('docker push', ['push', image]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
    const c = await b.docker.createContainer({
      name: `nco-bench-build-raw${i}`,
      Image: `${image.slice(0, image.lastIndexOf(':'))}@${digest ?? ''}`,
      Cmd: CMD,
      Labels: { [RAW_LABEL.split('=')[0]!]: 'raw' },
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    const ms = performance.now() - t0;
    await c.remove({ force: true });
    return ms;
  } finally {
    await dockerCli(host, ['logout', registry.host]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An ImageBuild for a NativeContainer that waits for it: the time until Docker starts the container. */
async function throughOperator(b: Bench, registry: Registry, i: number): Promise<{ total: number; roll: number }> {
  const name = `build${i}`;
  const labels = { bench: 'imagebuild' };
  const base = `/apis/nativecontainer.io/v1alpha1/namespaces/${NS}`;
  await b.client.create(`${base}/nativecontainers`, {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name, namespace: NS, labels },
    spec: { imageFrom: { imageBuild: name }, command: CMD },
  });
  const running = b.events.next('start', (owner) => owner === name);
  const t0 = performance.now();
  await b.client.create(`${base}/imagebuilds`, {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'ImageBuild',
    metadata: { name, namespace: NS, labels },
    spec: {
      dockerfile: dockerfile(`op-${i}-${Date.now()}`),
      image: `${registry.host}/bench/op${i}:1`,
      secretRef: { name: 'bench-push' },
    },
  });
  let succeeded = 0;
  await waitFor(
    `ImageBuild ${name} succeeded`,
    async () => {
      const ib = await b.client.get<{ status?: { phase?: string } }>(`${base}/imagebuilds/${name}`);
      if (ib.status?.phase === 'Failed') throw new Error(`ImageBuild ${name} failed`);
      if (ib.status?.phase === 'Succeeded') succeeded = performance.now();
      return succeeded > 0;
    },
    { timeoutMs: 600_000, intervalMs: 20 },
  );
  const started = await running;
  return { total: started - t0, roll: started - succeeded };
}
