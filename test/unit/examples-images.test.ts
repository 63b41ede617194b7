// The examples must work on a real cluster as written: real public image names, and tags that are
// not :latest, so that the default pull policy (IfNotPresent) does not pull here, where the test
// harness gives its local image those names (src/local/test-image.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { defaultPullPolicy } from '../../src/api/image-reference.ts';
import { PUBLIC_ALIASES } from '../../src/local/test-image.ts';

const EXAMPLES = fileURLToPath(new URL('../../manifests/examples/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}

const images = files(EXAMPLES).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as { kind?: string; spec?: { image?: string; imagePullPolicy?: string } } | null)
    // A NativeContainer with imageFrom runs what its ImageBuild pushed (imagebuild/).
    .filter((o) => o?.kind === 'NativeContainer' && o.spec?.image !== undefined)
    .map((o) => ({ file: file.slice(EXAMPLES.length), image: o!.spec!.image!, policy: o!.spec!.imagePullPolicy })),
);

describe('the images of the examples', () => {
  it('are found in every example NativeContainer', () => {
    expect(images.length).toBeGreaterThanOrEqual(14);
  });

  it.each(images)(
    '$file names $image, which exists outside this machine and is never pulled here',
    ({ file, image, policy }) => {
      const privateRegistry = file.startsWith('private-registry/');
      // The GPU example needs a GPU and NVIDIA's image; here it is only checked by admission.
      const gpu = file === 'policy/gpu.yaml';
      if (privateRegistry) expect(image).toMatch(/^127\.0\.0\.1:5000\//);
      else if (gpu) expect(image).toMatch(/^nvidia\/cuda:\d+\.\d+\.\d+-base-ubuntu\d+\.\d+$/);
      else expect(PUBLIC_ALIASES).toContain(image);
      expect(policy ?? defaultPullPolicy(image)).not.toBe('Always');
    },
  );
});
