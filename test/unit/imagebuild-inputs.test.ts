import { describe, expect, it } from 'vitest';
import tar from 'tar-stream';
import type { ContainerSecret } from '../../src/api/container-secret.ts';
import type { ConfigMap, Secret } from '../../src/api/core.ts';
import type { ImageBuild, ImageBuildSpec } from '../../src/api/image-build.ts';
import { contextArchive } from '../../src/controllers/imagebuild/context-archive.ts';
import { buildReferences, inputsVersion, resolveInputs } from '../../src/controllers/imagebuild/inputs.ts';
import { UnresolvedReferenceError } from '../../src/controllers/nativecontainer/references.ts';
import { withBuiltImage, type ReferenceLookup } from '../../src/controllers/nativecontainer/references.ts';
import { desiredContainer } from '../../src/controllers/nativecontainer/desired.ts';
import { nativeContainer } from './fixtures.ts';

const ns = 'team-a';
const meta = (name: string) => ({ name, namespace: ns });
const pw = (name: string, password: string): Secret => ({ metadata: meta(name), stringData: { password } });
const csec = (name: string, server: string, secret: string): ContainerSecret => ({
  metadata: meta(name),
  spec: { server, username: 'u', passwordSecretRef: { name: secret } },
});
const ib = (spec: Partial<ImageBuildSpec> = {}, status?: ImageBuild['status']): ImageBuild => ({
  metadata: { ...meta('app'), generation: 1 },
  spec: { image: 'r.io:5000/team/app:1', secretRef: { name: 'push' }, dockerfile: 'FROM base', ...spec },
  ...(status ? { status } : {}),
});

function lookup(objs: {
  secrets?: Secret[];
  maps?: ConfigMap[];
  csecs?: ContainerSecret[];
  builds?: ImageBuild[];
}): ReferenceLookup {
  const find =
    <T extends { metadata: { name: string; namespace?: string } }>(list: T[] = []) =>
    (n: string, name: string) =>
      list.find((o) => o.metadata.namespace === n && o.metadata.name === name);
  return {
    secret: find(objs.secrets),
    configMap: find(objs.maps),
    containerSecret: find(objs.csecs),
    imageBuild: find(objs.builds),
  };
}

const base: { secrets: Secret[]; csecs: ContainerSecret[]; maps: ConfigMap[] } = {
  secrets: [
    pw('push-pw', 'push-secret'),
    pw('base-pw', 'base-secret'),
    { metadata: meta('files'), data: { key: Buffer.from('s3cret').toString('base64') } },
  ],
  csecs: [csec('push', 'r.io:5000', 'push-pw'), csec('base', 'other.io', 'base-pw')],
  maps: [
    { metadata: meta('df'), data: { Dockerfile: 'FROM from-map' } },
    { metadata: meta('conf'), data: { 'a.json': '{}' } },
  ],
};

describe('the inputs of a build', () => {
  it('takes the Dockerfile, context files and every credential from the caches', () => {
    const inputs = resolveInputs(
      ib({
        dockerfile: undefined,
        dockerfileFrom: { name: 'df', key: 'Dockerfile' },
        context: [
          { path: 'conf/a.json', configMapKeyRef: { name: 'conf', key: 'a.json' } },
          { path: 'token', mode: 0o600, secretKeyRef: { name: 'files', key: 'key' } },
        ],
        registryAuths: [{ name: 'base' }],
      }),
      lookup(base),
    );
    expect(inputs.dockerfile).toBe('FROM from-map');
    expect(inputs.files.map((f) => [f.path, f.mode, f.content.toString()])).toEqual([
      ['conf/a.json', 0o644, '{}'],
      ['token', 0o600, 's3cret'],
    ]);
    expect(inputs.pushAuth).toMatchObject({ username: 'u', password: 'push-secret', serveraddress: 'r.io:5000' });
    expect(inputs.baseAuths).toEqual([{ username: 'u', password: 'base-secret', serveraddress: 'other.io' }]);
  });

  it.each([
    ['a missing ContainerSecret', { secretRef: { name: 'nope' } }, 'SecretNotFound'],
    ['a missing ConfigMap', { dockerfile: undefined, dockerfileFrom: { name: 'nope', key: 'k' } }, 'ConfigMapNotFound'],
    ['a push to another registry than the ContainerSecret’s', { image: 'elsewhere.io/app:1' }, 'InvalidSpec'],
  ] as const)('refuses %s (%s)', (_what, spec, reason) => {
    let err: unknown;
    try {
      resolveInputs(ib(spec), lookup(base));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnresolvedReferenceError);
    expect((err as UnresolvedReferenceError).reason).toBe(reason);
    expect((err as Error).message).not.toContain('secret');
  });

  it('names what it refers to, for the watches', () => {
    const refs = buildReferences(
      ib({
        dockerfile: undefined,
        dockerfileFrom: { name: 'df', key: 'Dockerfile' },
        context: [{ path: 't', secretKeyRef: { name: 'files', key: 'key' } }],
        registryAuths: [{ name: 'base' }],
      }),
    );
    expect(refs).toEqual({ secrets: ['files'], configMaps: ['df'], containerSecrets: ['push', 'base'] });
  });
});

describe('the version of what a build reads', () => {
  const spec = {
    registryAuths: [{ name: 'base' }],
    context: [{ path: 't', secretKeyRef: { name: 'files', key: 'key' } }],
  };
  const at = (objs: typeof base) => inputsVersion(ib(spec), lookup(objs));
  const withVersion = <T extends { metadata: object }>(o: T, meta: Record<string, unknown>): T => ({
    ...o,
    metadata: { ...o.metadata, ...meta },
  });

  it('changes with a ContainerSecret’s password Secret and a context Secret, and holds no value', () => {
    const before = at(base);
    expect(at(base)).toBe(before);
    const secrets = base.secrets.map((s) =>
      s.metadata.name === 'push-pw' ? withVersion(s, { resourceVersion: '9' }) : s,
    );
    expect(at({ ...base, secrets })).not.toBe(before);
    const files = base.secrets.map((s) => (s.metadata.name === 'files' ? withVersion(s, { resourceVersion: '9' }) : s));
    expect(at({ ...base, secrets: files })).not.toBe(before);
    expect(before).toMatch(/^[0-9a-f]{16}$/);
  });

  it('follows the generation of a ContainerSecret, not its status writes', () => {
    const before = at(base);
    const status = base.csecs.map((c) => withVersion(c, { resourceVersion: '77' }));
    expect(at({ ...base, csecs: status })).toBe(before);
    const spec2 = base.csecs.map((c) => withVersion(c, { generation: 2 }));
    expect(at({ ...base, csecs: spec2 })).not.toBe(before);
  });
});

describe('the build context archive', () => {
  it('holds the Dockerfile and the files, sorted, with their modes, and the same bytes each time', async () => {
    const files = [
      { path: 'b/x', mode: 0o600, content: Buffer.from('x') },
      { path: 'a', mode: 0o755, content: Buffer.from('aa') },
    ];
    const archive = await contextArchive('FROM base\n', files);
    expect((await contextArchive('FROM base\n', files)).equals(archive)).toBe(true);
    const extract = tar.extract();
    const seen: [string, number | undefined, string][] = [];
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c) => void chunks.push(c as Buffer));
      stream.on('end', () => {
        seen.push([header.name, header.mode, Buffer.concat(chunks).toString()]);
        next();
      });
    });
    const done = new Promise<void>((resolve) => extract.on('finish', () => resolve()));
    extract.end(archive);
    await done;
    expect(seen).toEqual([
      ['Dockerfile', 0o644, 'FROM base\n'],
      ['a', 0o755, 'aa'],
      ['b/x', 0o600, 'x'],
    ]);
  });
});

describe('a NativeContainer with imageFrom', () => {
  const digest = `sha256:${'cd'.repeat(32)}`;
  const nc = nativeContainer({ image: undefined, imageFrom: { imageBuild: 'app' } });

  it('waits with ImageBuildPending until its ImageBuild pushed an image', () => {
    expect(() => withBuiltImage(nc, lookup({ builds: [ib()] }))).toThrow(/has not pushed an image yet/);
    expect(() => withBuiltImage(nc, lookup({}))).toThrow(/not found/);
  });

  it('runs the last image pushed, by digest, pulled with the build’s push credentials', () => {
    const image = `r.io:5000/team/app@${digest}`;
    const built = withBuiltImage(nc, lookup({ builds: [ib({}, { image, imageDigest: digest })] }));
    expect(built.spec).toMatchObject({ image, secretRef: { name: 'push' } });
    const desired = desiredContainer(built);
    expect(desired.config.image).toBe(image);
    expect(desired.pullPolicy).toBe('IfNotPresent');
  });

  it('is rebuilt when a new build pushed another digest', () => {
    const at = (d: string) =>
      desiredContainer(withBuiltImage(nc, lookup({ builds: [ib({}, { image: `r.io:5000/team/app@${d}` })] }))).hash;
    expect(at(digest)).not.toBe(at(`sha256:${'ef'.repeat(32)}`));
  });

  it('keeps its own secretRef when it has one', () => {
    const own = nativeContainer({ image: undefined, imageFrom: { imageBuild: 'app' }, secretRef: { name: 'mine' } });
    const built = withBuiltImage(own, lookup({ builds: [ib({}, { image: `r.io:5000/team/app@${digest}` })] }));
    expect(built.spec.secretRef).toEqual({ name: 'mine' });
  });
});
