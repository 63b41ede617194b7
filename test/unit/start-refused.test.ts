// A start Docker refused (status.startRefused): remembered while that container waits, so the
// reconciler does not start it again on its own die event; forgotten once it is another
// container or it runs.
import { describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import { H } from './plan-cases.ts';
import { container, nativeContainer } from './fixtures.ts';

const now = new Date('2026-11-22T10:00:00Z');
const refused = {
  containerID: 'aaaaaaaaaaaa1',
  message: 'Docker refused the container: exec: "/bin/nope": not found.',
};

function withRefused(): NativeContainer {
  return { ...nativeContainer(), status: { startRefused: refused } };
}

describe('a start Docker refused', () => {
  it('is written with the problem of the failed plan', () => {
    const status = computeStatus({
      nc: nativeContainer(),
      container: container('aaaaaaaaaaaa1', 'created', H),
      engineSeen: true,
      problem: { reason: 'InvalidSpec', message: refused.message, terminal: true },
      changes: { startRefused: refused },
      now,
    });
    expect(status.startRefused).toEqual(refused);
  });

  it('is kept while the same container waits, created', () => {
    const status = computeStatus({
      nc: withRefused(),
      container: container('aaaaaaaaaaaa1', 'created', H),
      engineSeen: true,
      now,
    });
    expect(status.startRefused).toEqual(refused);
  });

  it.each([
    ['another container stands for the resource (a rebuild)', container('bbbbbbbbbbbb2', 'created', H)],
    ['the container runs after all (a restartRequest)', container('aaaaaaaaaaaa1', 'running', H)],
  ])('is forgotten when %s', (_what, c) => {
    const status = computeStatus({ nc: withRefused(), container: c, engineSeen: true, now });
    expect(status.startRefused).toBeUndefined();
  });
});
