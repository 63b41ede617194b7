import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerCli } from './docker-cli.ts';
import { exec } from './exec.ts';
import { importRootfs } from './rootfs-image.ts';

/** Tiny image the tests run: static busybox plus the applets containers need. */
export const TEST_IMAGE = 'nco-test/busybox:1';

/**
 * Public names the examples in manifests/examples/ use, so that they work on a real cluster as
 * written. Here, with no registry to pull from, the test image answers to them (a local tag), and
 * their tags are not :latest, so IfNotPresent never pulls.
 */
export const PUBLIC_ALIASES = ['busybox:1.37'];

const APPLETS = [
  'sh',
  'sleep',
  'echo',
  'cat',
  'env',
  'ls',
  'wc',
  'touch',
  'mkdir',
  'test',
  'true',
  'false',
  'id',
  'hostname',
  'printenv',
];

// Debian's busybox-static is built without printenv.
const FALLBACKS: Record<string, string> = {
  printenv: `#!/bin/sh
[ $# -eq 0 ] && exec env
rc=0
for name in "$@"; do
  eval "isset=\\\${$name+x}"
  if [ -n "$isset" ]; then eval "printf '%s\\n' \\"\\$$name\\""; else rc=1; fi
done
exit $rc
`,
};

/**
 * Builds the busybox test image with `docker import` unless the daemon already has it, and gives
 * the default one the public names of PUBLIC_ALIASES.
 */
export async function buildTestImage(env: { host: string }, tag: string = TEST_IMAGE): Promise<void> {
  await importBusybox(env, tag);
  if (tag !== TEST_IMAGE) return;
  for (const alias of PUBLIC_ALIASES) {
    if ((await dockerCli(env, ['image', 'inspect', alias])).code === 0) continue;
    const tagged = await dockerCli(env, ['tag', TEST_IMAGE, alias]);
    if (tagged.code !== 0) throw new Error(`docker tag ${TEST_IMAGE} ${alias}: ${tagged.stderr}`);
  }
}

async function importBusybox(env: { host: string }, tag: string): Promise<void> {
  if ((await dockerCli(env, ['image', 'inspect', tag])).code === 0) return;
  await importRootfs(env, tag, ['CMD ["/bin/sh"]', 'ENV PATH=/bin'], async (rootfs) => {
    for (const sub of ['bin', 'etc', 'tmp', 'root']) mkdirSync(join(rootfs, sub), { recursive: true });
    copyFileSync('/usr/bin/busybox', join(rootfs, 'bin', 'busybox'));
    const list = await exec('/usr/bin/busybox', ['--list']);
    const available = new Set(list.stdout.split('\n'));
    for (const applet of APPLETS) {
      const fallback = FALLBACKS[applet];
      if (available.has(applet)) symlinkSync('busybox', join(rootfs, 'bin', applet));
      else if (fallback !== undefined) writeFileSync(join(rootfs, 'bin', applet), fallback, { mode: 0o755 });
      else throw new Error(`/usr/bin/busybox has no ${applet} applet`);
    }
    // Lets `id` and `--user nobody` resolve names.
    writeFileSync(
      join(rootfs, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  });
}
