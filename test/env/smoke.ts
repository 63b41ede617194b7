// Smoke check of the test environment: real etcd + kube-apiserver, dockerd and a registry.
// Run: node_modules/.bin/node test/env/smoke.ts
import { startControlPlane } from '../../src/local/control-plane.ts';
import type { ControlPlane } from '../../src/local/control-plane.ts';
import { buildTestImage, dockerCli, ensureDocker } from '../../src/local/docker.ts';
import type { DockerEnv } from '../../src/local/docker.ts';
import { kubectl } from '../../src/local/kubectl.ts';
import { stopAll } from '../../src/local/processes.ts';
import { pushTestImage, startRegistry } from '../../src/local/registry.ts';
import type { Registry } from '../../src/local/registry.ts';

const timings: Array<[string, number]> = [];

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  const ms = Math.round(performance.now() - start);
  timings.push([label, ms]);
  console.log(`[smoke] ${label}: ${ms} ms`);
  return result;
}

let cp: ControlPlane | undefined;
let docker: DockerEnv | undefined;
let registry: Registry | undefined;
let failed = false;
try {
  cp = await timed('control plane start (etcd + kube-apiserver ready)', () => startControlPlane({ name: 'smoke' }));
  const cpHandle = cp;
  console.log(`[smoke] server ${cp.server}, kubeconfig ${cp.kubeconfigPath}`);
  const version = await kubectl(cp, ['version', '-o', 'json']);
  const serverVersion = (JSON.parse(version.stdout) as { serverVersion?: { gitVersion?: string } }).serverVersion;
  console.log(`[smoke] kubectl version: server ${serverVersion?.gitVersion ?? '?'}`);
  console.log((await kubectl(cp, ['get', 'ns'])).stdout.trim());
  await timed('kube-apiserver restart', () => cpHandle.restartApiserver());
  await kubectl(cp, ['get', 'ns', 'default']);

  docker = await timed('dockerd start', () => ensureDocker());
  const dockerEnv = docker;
  console.log(`[smoke] docker ${docker.host} (started here: ${String(docker.started)})`);
  await timed('test image build (no-op when cached)', () => buildTestImage(dockerEnv));

  registry = await timed('registry start', () => startRegistry({ username: 'nco', password: 'nco-secret' }));
  const reg = registry;
  const ref = await timed('push test image', () => pushTestImage(dockerEnv, reg, 'smoke/busybox:1'));
  // Logged out after the push, so an anonymous pull must be refused.
  const anonymous = await dockerCli(dockerEnv, ['pull', ref]);
  if (anonymous.code === 0 || !/unauthorized|no basic auth credentials/.test(anonymous.stderr)) {
    throw new Error(`anonymous pull of ${ref} should be refused for auth: ${anonymous.stderr}`);
  }
  const login = ['login', reg.host, '-u', reg.username, '--password-stdin'];
  if ((await dockerCli(dockerEnv, login, { input: reg.password })).code !== 0) throw new Error('docker login failed');
  const pulled = await timed('authenticated pull', () => dockerCli(dockerEnv, ['pull', ref]));
  await dockerCli(dockerEnv, ['logout', reg.host]);
  await dockerCli(dockerEnv, ['rmi', ref]);
  if (pulled.code !== 0) throw new Error(`authenticated pull of ${ref} failed: ${pulled.stderr}`);
  console.log(`[smoke] pushed ${ref}; anonymous pull refused, authenticated pull worked`);
} catch (err) {
  failed = true;
  console.error('[smoke] FAILED:', err instanceof Error ? err.message : err);
} finally {
  await registry?.stop();
  await docker?.stop();
  await cp?.stop();
  await stopAll();
}
console.log('[smoke] timings (ms):');
for (const [label, ms] of timings) console.log(`  ${String(ms).padStart(7)}  ${label}`);
process.exitCode = failed ? 1 : 0;
