// Mounts a Docker daemon leaves under its own directories when it stops (its data root made a
// private mount of itself, the default network namespace bound under its exec root): a test run
// must not leave them behind. Only mounts under the given directory are touched.
import { readFileSync } from 'node:fs';
import { exec } from './exec.ts';

/** Mount points at or below dir, deepest first. */
export function mountsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return (
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((point): point is string => point !== undefined)
      // mountinfo escapes spaces, tabs, newlines and backslashes as octal.
      .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))))
      .filter((point) => point === dir || point.startsWith(prefix))
      .sort((a, b) => b.length - a.length)
  );
}

/** Unmounts everything below dir; a busy mount is detached lazily. */
export async function unmountUnder(dir: string): Promise<void> {
  for (const point of mountsUnder(dir)) {
    const plain = await exec('umount', [point]);
    if (plain.code === 0) continue;
    const lazy = await exec('umount', ['-l', point]);
    if (lazy.code !== 0) throw new Error(`umount ${point}: ${lazy.stderr.trim() || plain.stderr.trim()}`);
  }
}
