// kubectl nc cp: files and directories between the local disk and a container, as tar archives
// through the archive subresource (GET reads a path, PUT extracts into a directory), byte for byte.
import { createReadStream, createWriteStream, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, posix, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { Pipeable } from './client.ts';

/** Extracts a container's archive of `remotePath` to `local` (a new name, or an existing directory to copy into). */
export async function extractTo(archive: Readable, remotePath: string, local: string): Promise<void> {
  const root = posix.basename(remotePath.replace(/\/+$/, '')) || '/';
  const into = isDirectory(local) ? join(local, root) : local;
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/\/+$/, '');
    const rel = name === root ? '' : name.startsWith(`${root}/`) ? name.slice(root.length + 1) : undefined;
    if (rel === undefined || rel.split('/').includes('..')) {
      stream.resume();
      return next();
    }
    const target = rel === '' ? into : join(into, ...rel.split('/'));
    if (header.type === 'directory') {
      mkdirSync(target, { recursive: true });
      stream.resume();
      return next();
    }
    if (header.type !== 'file') {
      stream.resume();
      return next();
    }
    mkdirSync(dirname(target), { recursive: true });
    pipeline(stream, createWriteStream(target, { mode: header.mode ?? 0o644 })).then(() => next(), next);
  });
  await pipeline(archive, extract);
}

/** A tar of `local` (a file or a directory) whose top entry is named `name`. */
export function packFrom(local: string, name: string): Pipeable {
  const pack = tar.pack();
  const add = async (path: string, entry: string): Promise<void> => {
    const st = lstatSync(path);
    if (st.isDirectory()) {
      pack.entry({ name: entry, type: 'directory', mode: st.mode & 0o7777, mtime: st.mtime });
      for (const child of readdirSync(path).sort()) await add(join(path, child), `${entry}/${child}`);
      return;
    }
    if (!st.isFile()) return;
    const sink = pack.entry({ name: entry, size: st.size, mode: st.mode & 0o7777, mtime: st.mtime });
    await pipeline(createReadStream(path), sink);
  };
  add(local, name).then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err as Error),
  );
  return pack;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Where an upload goes: the directory the container extracts into, and the entry's name. */
export function uploadTarget(remote: string, local: string): { dir: string; name: string } {
  if (remote.endsWith('/')) return { dir: remote, name: basename(local.replace(new RegExp(`\\${sep}+$`), '')) };
  return { dir: posix.dirname(remote), name: posix.basename(remote) };
}
