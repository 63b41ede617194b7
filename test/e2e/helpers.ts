// Helpers of the feature tests: a private registry with images pushed to it, conditions of
// resources, and a second test image that differs from the first.
import type { Condition } from '../../src/api/conditions.ts';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, execError } from '../../src/local/exec.ts';
import { dockerCli } from '../../src/local/docker-cli.ts';
import { startRegistry, type Registry } from '../../src/local/registry.ts';
import { TEST_IMAGE, buildTestImage } from '../../src/local/test-image.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { cleanupSteps } from './cleanup.ts';
import { docker, env, eventually, getJson, kubectl } from './support.ts';

/** A second local image: the first plus ENV NCO_IMAGE=2, so a rebuild visibly changes image. */
export const TEST_IMAGE_2 = 'nco-test/busybox:2';

export async function buildSecondImage(): Promise<void> {
  await buildTestImage({ host: env().dockerHost });
  if ((await dockerCli({ host: env().dockerHost }, ['image', 'inspect', TEST_IMAGE_2])).code === 0) return;
  const c = await docker().createContainer({ Image: TEST_IMAGE, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
  try {
    await c.commit({ repo: 'nco-test/busybox', tag: '2', changes: ['ENV NCO_IMAGE=2'] });
  } finally {
    await c.remove({ force: true });
  }
}

/**
 * A local image with a layer of its own (random bytes), so that pulling it after a push
 * downloads for real and Docker reports progress with byte counts.
 */
export async function buildUniqueImage(ref: string, bytes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nco-layer-'));
  try {
    writeFileSync(join(dir, 'payload.bin'), randomBytes(bytes));
    const tar = await exec('tar', ['-C', dir, '-cf', join(dir, 'layer.tar'), 'payload.bin']);
    if (tar.code !== 0) throw execError('tar', tar);
    const c = await docker().createContainer({ Image: TEST_IMAGE, Cmd: ['true'], HostConfig: { NetworkMode: 'none' } });
    try {
      await c.putArchive(join(dir, 'layer.tar'), { path: '/' });
      const [repo, tag] = [ref.slice(0, ref.lastIndexOf(':')), ref.slice(ref.lastIndexOf(':') + 1)];
      await c.commit({ repo, tag });
    } finally {
      await c.remove({ force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts a registry with htpasswd auth and pushes the given local images to it as repo:tag. */
export async function registryWith(images: Record<string, string>): Promise<Registry> {
  const registry = await startRegistry({ username: 'nco', password: `pw-${Date.now().toString(36)}` });
  const host = { host: env().dockerHost };
  const run = async (what: string, args: string[], input?: string): Promise<void> => {
    const res = await dockerCli(host, args, { input });
    if (res.code !== 0) throw execError(what, res);
  };
  await run('docker login', ['login', registry.host, '-u', registry.username, '--password-stdin'], registry.password);
  try {
    for (const [repoTag, local] of Object.entries(images)) {
      const ref = `${registry.host}/${repoTag}`;
      await run('docker tag', ['tag', local, ref]);
      await run(`docker push ${ref}`, ['push', ref]);
      // Dropped locally, so that running it needs a pull with credentials.
      await run('docker rmi', ['rmi', ref]);
    }
  } finally {
    await dockerCli(host, ['logout', registry.host]);
  }
  return registry;
}

/** Removes local copies of a registry's images, so the next use pulls again. */
export async function forgetImages(refs: string[]): Promise<void> {
  for (const ref of refs) await dockerCli({ host: env().dockerHost }, ['rmi', '-f', ref]);
}

/** Drops every local image pulled from a registry, so test runs do not pile up tags. */
export async function forgetRegistry(registry: { host: string } | undefined): Promise<void> {
  if (!registry) return;
  const images = await docker().listImages();
  const refs = images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${registry.host}/`));
  await forgetImages(refs);
}

interface WithConditions {
  metadata: { generation?: number };
  status?: { observedGeneration?: number; conditions?: Condition[] };
}

export function condition(obj: WithConditions, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the resource's status describes its current generation and `check` holds. */
export async function waitFor<T extends WithConditions>(
  what: string,
  args: string[],
  check: (obj: T) => boolean,
  operator?: ProcessHandle,
): Promise<T> {
  let last: T | undefined;
  await eventually(
    what,
    async () => {
      last = await getJson<T>(['get', ...args]);
      return last.status?.observedGeneration === last.metadata.generation && check(last);
    },
    operator,
  );
  return last!;
}

/** Waits for a condition to have a reason (and status, if given) for the current generation. */
export async function waitForReason<T extends WithConditions>(
  args: string[],
  type: string,
  reason: string,
  operator?: ProcessHandle,
): Promise<T> {
  return waitFor<T>(
    `${args.join(' ')} ${type} reason ${reason}`,
    args,
    (o) => condition(o, type)?.reason === reason,
    operator,
  );
}

/** A Secret with the registry's password and a ContainerSecret `name` that refers to it. */
export async function applyRegistryCredentials(namespace: string, registry: Registry, name: string): Promise<void> {
  await kubectlApply(namespace, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${name}-pw` },
    stringData: { password: registry.password },
  });
  await kubectlApply(namespace, {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'ContainerSecret',
    metadata: { name },
    spec: { server: registry.host, username: registry.username, passwordSecretRef: { name: `${name}-pw` } },
  });
}

export async function kubectlApply(namespace: string, manifest: unknown): Promise<void> {
  await kubectl(['apply', '-n', namespace, '-f', '-'], { input: JSON.stringify(manifest) });
}

export async function patchSpec(namespace: string, resource: string, spec: Record<string, unknown>): Promise<void> {
  await kubectl(['patch', '-n', namespace, resource, '--type=merge', '-p', JSON.stringify({ spec })]);
}

/** The output of a command run in a container; a command that fails throws. */
export async function execIn(id: string, cmd: string[]): Promise<string> {
  const exec = await docker().getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  // The multiplexed stream has 8-byte frame headers; strip them.
  const out: Buffer[] = [];
  const all = Buffer.concat(chunks);
  for (let i = 0; i + 8 <= all.length;) {
    const size = all.readUInt32BE(i + 4);
    out.push(all.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  const text = Buffer.concat(out).toString('utf8');
  const { ExitCode } = await exec.inspect();
  if (ExitCode !== 0) throw new Error(`${cmd.join(' ')} exited with ${ExitCode} in ${id.slice(0, 12)}: ${text}`);
  return text;
}

/** A NativeContainer manifest with a long-running shell that stops promptly on SIGTERM. */
export function sleeper(name: string, spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name },
    spec: {
      image: TEST_IMAGE,
      command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'],
      ...spec,
    },
  };
}

/** A NativeContainerPolicy manifest (cluster-scoped). */
export function ncPolicy(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'nativecontainer.io/v1alpha1', kind: 'NativeContainerPolicy', metadata: { name }, spec };
}

/**
 * Applies NativeContainerPolicies and waits until the operator reports each Ready for its
 * generation: then the admission policy says what they say (the API server loads it within moments).
 */
export async function applyPolicies(policies: Record<string, unknown>[], operator?: ProcessHandle): Promise<void> {
  for (const p of policies) await kubectl(['apply', '-f', '-'], { input: JSON.stringify(p) });
  for (const p of policies) {
    const name = (p['metadata'] as { name: string }).name;
    await waitFor(`policy ${name} Ready`, ['ncpol', name], (o) => condition(o, 'Ready')?.status === 'True', operator);
  }
}

const ADMISSION_DENIED = /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request: (.*)/;

/** The admission policy's refusal of a kubectl apply, or undefined when the apply went through. */
export async function applyRefusal(namespace: string, manifest: unknown, dryRun = false): Promise<string | undefined> {
  const res = await kubectl(['apply', '-n', namespace, ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], {
    input: JSON.stringify(manifest),
    allowFail: true,
  });
  if (res.code === 0) return undefined;
  const refused = ADMISSION_DENIED.exec(res.stderr);
  if (!refused) throw new Error(`kubectl apply failed otherwise: ${res.stderr}`);
  return refused[1]!.trim();
}

/**
 * kubectl apply of something a policy just allowed: the API server's copy of the admission
 * policy may trail the operator's write by a moment, so a refusal is tried again for a while.
 */
export async function applyAdmitted(namespace: string, manifest: unknown, dryRun = false): Promise<void> {
  let refusal: string | undefined;
  await eventually('kubectl apply admitted', async () => {
    refusal = await applyRefusal(namespace, manifest, dryRun);
    return refusal === undefined;
  }).catch((err: unknown) => {
    throw new Error(`${String(err)}; last refusal: ${refusal}`);
  });
}

/** The refusal of something a policy does not allow, once the API server's admission policy says so. */
export async function refusedAtAdmission(namespace: string, manifest: unknown): Promise<string> {
  let refusal: string | undefined;
  await eventually('kubectl apply refused', async () => {
    refusal = await applyRefusal(namespace, manifest, true);
    return refusal !== undefined;
  });
  return refusal!;
}

/**
 * The end of a file with its own registry: its NativeContainers and ContainerSecrets go first
 * (nothing may keep later files' operators busy with a registry that is gone), then its
 * operator, the images pulled from the registry, and the registry.
 */
export async function cleanupWithRegistry(
  ns: string | undefined,
  operator: ProcessHandle | undefined,
  registry: Registry | undefined,
): Promise<void> {
  await cleanupSteps([
    () => kubectl(['delete', 'nc,csec', '--all', '-n', ns ?? '', '--timeout=60s'], { allowFail: true }),
    () => operator?.stop(),
    () => forgetRegistry(registry),
    () => registry?.stop(),
  ]);
}
