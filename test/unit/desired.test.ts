import { describe, expect, it } from 'vitest';
import { desiredContainer, normalizeImage } from '../../src/controllers/nativecontainer/desired.ts';
import { LABELS } from '../../src/backend/labels.ts';
import { nativeContainer } from './fixtures.ts';

describe('spec translation', () => {
  it('names the container after namespace and name, which cannot collide', () => {
    expect(desiredContainer(nativeContainer()).config.name).toBe('nc_team-a_web');
  });

  it('labels the container with its owner and its config hash', () => {
    const d = desiredContainer(nativeContainer());
    expect(d.config.labels).toMatchObject({
      [LABELS.ownerUid]: 'uid-1',
      [LABELS.ownerNamespace]: 'team-a',
      [LABELS.ownerName]: 'web',
      [LABELS.configHash]: d.hash,
    });
  });

  it('passes command as entrypoint, args as cmd and env as a map', () => {
    const d = desiredContainer(
      nativeContainer({
        command: ['/bin/sh', '-c'],
        args: ['echo hi'],
        env: [{ name: 'A', value: '1' }, { name: 'B' }],
      }),
    );
    expect(d.config).toMatchObject({ command: ['/bin/sh', '-c'], args: ['echo hi'], env: { A: '1', B: '' } });
  });

  it('leaves the image entrypoint and cmd alone when command and args are absent', () => {
    const d = desiredContainer(nativeContainer());
    expect(d.config.command).toBeUndefined();
    expect(d.config.args).toBeUndefined();
  });

  it('defaults the desired state to Running', () => {
    expect(desiredContainer(nativeContainer()).state).toBe('Running');
  });

  it('gives the same hash whatever the order of env entries', () => {
    const a = desiredContainer(
      nativeContainer({
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      }),
    );
    const b = desiredContainer(
      nativeContainer({
        env: [
          { name: 'B', value: '2' },
          { name: 'A', value: '1' },
        ],
      }),
    );
    expect(a.hash).toBe(b.hash);
  });

  it('changes the hash when image, command, args or env change', () => {
    const base = desiredContainer(nativeContainer()).hash;
    const variants = [
      { image: 'nco-test/busybox:2' },
      { command: ['/bin/true'] },
      { args: ['x'] },
      { env: [{ name: 'A', value: '1' }] },
    ];
    for (const v of variants) expect(desiredContainer(nativeContainer(v)).hash).not.toBe(base);
  });

  it('does not change the hash when only the desired state changes: stopping is not a rebuild', () => {
    expect(desiredContainer(nativeContainer({ state: 'Stopped' })).hash).toBe(desiredContainer(nativeContainer()).hash);
  });

  it.each([
    ['nginx', 'nginx:latest'],
    ['nginx:1.27', 'nginx:1.27'],
    ['mysql/mysql-server', 'mysql/mysql-server:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1'],
    ['app@sha256:0123', 'app@sha256:0123'],
  ])('normalizes image %s to %s', (input, out) => {
    expect(normalizeImage(input)).toBe(out);
  });
});
