import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerCli } from './docker-cli.ts';
import { exec, execError } from './exec.ts';

/**
 * Builds an image with `docker import` of a root file system that `fill` writes into an empty
 * directory; `changes` are Dockerfile instructions such as 'ENV PATH=/bin'. No registry needed.
 */
export async function importRootfs(
  env: { host: string },
  tag: string,
  changes: string[],
  fill: (rootfs: string) => Promise<void>,
): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'nco-image-'));
  try {
    const rootfs = join(work, 'rootfs');
    mkdirSync(rootfs);
    await fill(rootfs);
    const tarball = join(work, 'rootfs.tar');
    const tar = await exec('tar', ['-C', rootfs, '-cf', tarball, '.']);
    if (tar.code !== 0) throw execError('tar rootfs', tar);
    const res = await dockerCli(env, ['import', ...changes.flatMap((c) => ['-c', c]), tarball, tag]);
    if (res.code !== 0) throw execError(`docker import ${tag}`, res);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
