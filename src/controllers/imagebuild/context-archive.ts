// The build context as an in-memory tar archive: the Dockerfile and the files the spec takes from
// ConfigMaps and Secrets. Nothing touches the disk, so a Secret's value is never left in a file.
// Entries are sorted and dated at the epoch, so the same inputs give the same bytes.
import tar from 'tar-stream';

export interface ContextFile {
  /** Relative path; the CRD refuses absolute paths, `.` and `..` segments, and `Dockerfile`. */
  path: string;
  mode: number;
  content: Buffer;
}

export async function contextArchive(dockerfile: string, files: readonly ContextFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const entries = [{ path: 'Dockerfile', mode: 0o644, content: Buffer.from(dockerfile, 'utf8') }, ...files].sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  );
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c) => void chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) pack.entry({ name: e.path, mode: e.mode, mtime: new Date(0), uid: 0, gid: 0 }, e.content);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
