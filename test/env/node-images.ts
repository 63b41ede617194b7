// Local stand-ins for the Node base images the Dockerfile takes as build arguments: no image
// registry is reachable here. The runtime one is like a distroless Node: the node binary that
// runs these tests and the shared libraries it links. The build one adds a shell, npm and a copy
// of this machine's npm cache, so `npm ci` in the Dockerfile works offline.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { dockerCli } from '../../src/local/docker-cli.ts';
import { exec, execError } from '../../src/local/exec.ts';
import { importRootfs } from '../../src/local/rootfs-image.ts';

export interface NodeImages {
  build: string;
  runtime: string;
}

const SHELL_TOOLS = ['sh', 'find', 'rm', 'ls', 'cat', 'cp', 'mv', 'mkdir'];
const PATH_ENV = 'ENV PATH=/usr/local/bin:/usr/bin:/bin';

/**
 * Builds both stand-ins unless the daemon has them. Tags carry a hash of this file (the recipe)
 * and, for the build one, of the lockfile whose packages its npm cache must hold.
 */
export async function buildNodeStandIns(env: { host: string }, lockfile: string): Promise<NodeImages> {
  const version = process.version.slice(1);
  const recipe = hash(readFileSync(new URL(import.meta.url)));
  const images = {
    runtime: `nco-test/node-runtime:${version}-${recipe}`,
    build: `nco-test/node-build:${version}-${recipe}-${hash(readFileSync(lockfile))}`,
  };
  if (!(await hasImage(env, images.runtime))) {
    await importRootfs(env, images.runtime, [PATH_ENV], async (rootfs) => {
      addBase(rootfs);
      await addNode(rootfs);
    });
  }
  if (!(await hasImage(env, images.build))) {
    const changes = [PATH_ENV, 'ENV npm_config_cache=/npm-cache', 'ENV npm_config_offline=true'];
    await importRootfs(env, images.build, changes, async (rootfs) => {
      addBase(rootfs);
      await addNode(rootfs);
      await addShellAndNpm(rootfs);
    });
  }
  await removeOtherTags(env, images);
  return images;
}

// A changed lockfile or recipe leaves the previous stand-ins unused: about 500 MB each time.
async function removeOtherTags(env: { host: string }, keep: NodeImages): Promise<void> {
  const listed = await dockerCli(env, ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']);
  const stale = listed.stdout
    .split('\n')
    .filter((tag) => /^nco-test\/node-(build|runtime):/.test(tag) && tag !== keep.build && tag !== keep.runtime);
  if (stale.length > 0) await dockerCli(env, ['image', 'rm', ...stale]);
}

function hash(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 10);
}

async function hasImage(env: { host: string }, tag: string): Promise<boolean> {
  return (await dockerCli(env, ['image', 'inspect', tag])).code === 0;
}

/** /etc/passwd with the non-root user the Dockerfile runs as, and a world-writable /tmp. */
function addBase(rootfs: string): void {
  mkdirSync(join(rootfs, 'etc'));
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  writeFileSync(
    join(rootfs, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n',
  );
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnonroot:x:65532:\n');
}

/** node at /usr/local/bin (where the official images have it) and every library ldd lists. */
async function addNode(rootfs: string): Promise<void> {
  copyInto(rootfs, process.execPath, '/usr/local/bin/node');
  const ldd = await exec('ldd', [process.execPath]);
  if (ldd.code !== 0) throw execError(`ldd ${process.execPath}`, ldd);
  for (const match of ldd.stdout.matchAll(/(\/\S+) \(0x/g)) copyInto(rootfs, match[1]!, match[1]!);
}

/** busybox as the shell and the tools a Dockerfile RUN uses, npm as in the official images, and the npm cache. */
async function addShellAndNpm(rootfs: string): Promise<void> {
  copyInto(rootfs, '/usr/bin/busybox', '/bin/busybox');
  for (const applet of SHELL_TOOLS) symlinkSync('busybox', join(rootfs, 'bin', applet));
  mkdirSync(join(rootfs, 'usr', 'bin'), { recursive: true });
  symlinkSync('/bin/busybox', join(rootfs, 'usr', 'bin', 'env'));
  const which = await exec('sh', ['-c', 'command -v npm']);
  if (which.code !== 0) throw execError('command -v npm', which);
  const npmDir = dirname(dirname(realpathSync(which.stdout.trim())));
  cpSync(npmDir, join(rootfs, 'usr', 'local', 'lib', 'node_modules', 'npm'), { recursive: true });
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(rootfs, 'usr', 'local', 'bin', 'npm'));
  const cache = process.env['npm_config_cache'] ?? join(homedir(), '.npm');
  cpSync(join(cache, '_cacache'), join(rootfs, 'npm-cache', '_cacache'), { recursive: true });
}

function copyInto(rootfs: string, from: string, to: string): void {
  mkdirSync(join(rootfs, dirname(to)), { recursive: true });
  copyFileSync(from, join(rootfs, to));
}
