import { describe, expect, it } from 'vitest';
import { mirrorOf } from '../../src/api/cel-mirrors.ts';
import { imageRegistry, isNewImageName, parseImageReference, registryKey } from '../../src/api/image-reference.ts';
import { crdRules } from '../../src/api/validate.ts';

describe('image references', () => {
  it.each([
    ['nginx', { repository: 'nginx' }],
    ['nginx:1.27', { repository: 'nginx', tag: '1.27' }],
    ['mysql/mysql-server:8.0', { repository: 'mysql/mysql-server', tag: '8.0' }],
    ['localhost:5000/app', { registry: 'localhost:5000', repository: 'app' }],
    ['localhost/app:v1', { registry: 'localhost', repository: 'app', tag: 'v1' }],
    ['reg.example.com/team/app:v1', { registry: 'reg.example.com', repository: 'team/app', tag: 'v1' }],
    [
      '127.0.0.1:5000/app@sha256:0123456789abcdef0123456789abcdef',
      { registry: '127.0.0.1:5000', repository: 'app', digest: 'sha256:0123456789abcdef0123456789abcdef' },
    ],
    ['app:v1@sha256:abc', { repository: 'app', tag: 'v1', digest: 'sha256:abc' }],
  ])('splits %s like Docker does', (image, expected) => {
    expect(parseImageReference(image)).toEqual(expected);
  });

  it.each([
    ['nginx:1', 'docker.io'],
    ['mysql/mysql-server:8.0', 'docker.io'],
    ['docker.io/library/nginx:1', 'docker.io'],
    ['Registry.Example.com:443/app', 'registry.example.com:443'],
  ])('names the registry of %s as %s', (image, registry) => {
    expect(imageRegistry(image)).toBe(registry);
  });

  it.each([
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['reg.example.com/some/path', 'reg.example.com'],
  ])('compares ContainerSecret server %s as %s', (server, key) => {
    expect(registryKey(server)).toBe(key);
  });

  it.each([
    ['nco-e2e/committed:v1', true],
    ['127.0.0.1:5000/committed/app:1', true],
    ['Registry.Example.com:443/team/app_x:V1.0-rc', true],
    ['app', true],
    ['Nco-E2E/Uppercase:v1', false],
    ['nco//x:1', false],
    ['nco/ok:bad tag', false],
    ['nco/ok:-dash', false],
    ['app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', false],
    [`app:${'x'.repeat(129)}`, false],
  ])('takes %s as the name of a new image: %s, as the ImageBuild CRD rule on spec.image does', (image, valid) => {
    const rule = crdRules().find((r) => r.includes('(:[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,127})?$'));
    expect(rule, 'the ImageBuild rule on spec.image').toBeDefined();
    expect(isNewImageName(image)).toBe(valid);
    expect(mirrorOf(rule!)!(image)).toBe(valid);
  });
});
