// Following a tag's digest and rolling back: the pure decisions, and what status keeps of them.
import { describe, expect, it } from 'vitest';
import type { NativeContainerSpec, NativeContainerStatus } from '../../src/api/native-container.ts';
import {
  judgeUpdate,
  nextCheckMs,
  observeImage,
  rollbackActive,
  targetImage,
} from '../../src/controllers/nativecontainer/image-update.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import { container, nativeContainer } from './fixtures.ts';

const APP = '127.0.0.1:5000/team/app';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const D3 = `sha256:${'3'.repeat(64)}`;
const now = new Date('2026-11-22T10:00:00Z');
const at = (s: number): Date => new Date(now.getTime() + s * 1000);

const spec = (extra: Partial<NativeContainerSpec> = {}): NativeContainerSpec => ({
  image: `${APP}:1`,
  imageUpdate: { policy: 'Apply', intervalSeconds: 2, healthDeadlineSeconds: 10 },
  ...extra,
});
const running = (digest: string, extra = {}) =>
  container('c1', 'running', 'h', { imageDigest: `${APP}@${digest}`, startedAt: now.toISOString(), ...extra });

describe('following a tag', () => {
  it('is due at once, then an interval after the last check, and never for a digest-pinned image', () => {
    expect(nextCheckMs(spec(), undefined)).toBe(0);
    const checked = { lastUpdateCheck: now.toISOString(), latestDigest: `${APP}:1@${D1}` };
    expect(nextCheckMs(spec(), checked)).toBe(now.getTime() + 2000);
    expect(nextCheckMs(spec({ image: `${APP}:1@${D1}` }), undefined)).toBeUndefined();
    expect(nextCheckMs(spec({ imageUpdate: { policy: 'Never' } }), undefined)).toBeUndefined();
  });

  it('after a failed first check (no digest yet) waits the interval instead of asking on every pass', () => {
    expect(nextCheckMs(spec(), { lastUpdateCheck: now.toISOString() })).toBe(now.getTime() + 2000);
  });

  it('checks again at once when spec.image changed since the last check', () => {
    const checked = { lastUpdateCheck: now.toISOString(), latestDigest: `${APP}:1@${D1}` };
    expect(nextCheckMs(spec({ image: `${APP}:2` }), checked)).toBe(0);
  });

  it('runs the latest digest under Apply, by digest, and nothing else under Notify', () => {
    const status = { latestDigest: `${APP}:1@${D2}` };
    expect(targetImage(spec(), status)).toEqual({ image: `${APP}@${D2}`, cause: `update: ${APP}:1 is now ${D2}` });
    expect(targetImage(spec({ imageUpdate: { policy: 'Notify' } }), status)).toBeUndefined();
    // A digest looked up for another tag is not this tag's.
    expect(targetImage(spec({ image: `${APP}:2` }), status)).toBeUndefined();
  });

  it('says UpdateAvailable with both digests, and UpToDate once they match', () => {
    const nc = {
      ...nativeContainer(spec({ imageUpdate: { policy: 'Notify' } })),
      status: { latestDigest: `${APP}:1@${D2}` },
    };
    const s = computeStatus({ nc, container: running(D1), engineSeen: true, now });
    const available = s.conditions?.find((c) => c.type === 'UpdateAvailable');
    expect(available).toMatchObject({ status: 'True', reason: 'UpdateAvailable' });
    expect(available?.message).toContain(D1);
    expect(available?.message).toContain(D2);
    const same = computeStatus({ nc, container: running(D2), engineSeen: true, now });
    expect(same.conditions?.find((c) => c.type === 'UpdateAvailable')).toMatchObject({
      status: 'False',
      reason: 'UpToDate',
    });
  });

  it('keeps a failed check in the condition until the next check', () => {
    const nc = {
      ...nativeContainer(spec({ imageUpdate: { policy: 'Notify' } })),
      status: { latestDigest: `${APP}:1@${D2}` },
    };
    const failed = computeStatus({
      nc,
      container: running(D1),
      engineSeen: true,
      updateCheckFailure: { message: 'unauthorized' },
      changes: { lastUpdateCheck: now.toISOString() },
      now,
    });
    expect(failed.conditions?.find((c) => c.type === 'UpdateAvailable')).toMatchObject({
      status: 'Unknown',
      reason: 'UpdateCheckFailed',
    });
    const next = computeStatus({ nc: { ...nc, status: failed }, container: running(D1), engineSeen: true, now: at(1) });
    expect(next.conditions?.find((c) => c.type === 'UpdateAvailable')).toMatchObject({ reason: 'UpdateCheckFailed' });
  });
});

describe('the digest history and the update under watch', () => {
  it('records the first digest without watching it, then watches a changed one', () => {
    const first = observeImage(spec(), {}, running(D1), now);
    expect(first.imageHistory).toEqual([
      { image: `${APP}@${D1}`, at: now.toISOString(), reason: 'Created', specImage: `${APP}:1` },
    ]);
    expect(first.pendingUpdate).toBeUndefined();
    const applied = running(D2, { image: `${APP}@${D2}` });
    const second = observeImage(spec(), { ...first, latestDigest: `${APP}:1@${D2}` }, applied, at(5));
    expect(second.imageHistory?.[0]).toMatchObject({ image: `${APP}@${D2}`, reason: 'UpdateApplied' });
    expect(second.pendingUpdate).toEqual({
      image: `${APP}@${D2}`,
      previous: `${APP}@${D1}`,
      since: at(5).toISOString(),
    });
  });

  it('tells an applied update from a changed spec.image, even one Apply pinned to its digest', () => {
    const first = observeImage(spec(), {}, running(D1), now);
    for (const image of [`${APP}:2`, `${APP}@${D2}`]) {
      const changed = observeImage(spec({ image: `${APP}:2` }), first, running(D2, { image }), at(5));
      expect(changed.imageHistory?.[0]).toMatchObject({ reason: 'ImageChanged', specImage: `${APP}:2` });
      expect(changed.pendingUpdate?.previous).toBe(`${APP}@${D1}`);
    }
  });

  it('keeps five digests, newest first', () => {
    let status: NativeContainerStatus = {};
    for (let i = 1; i <= 7; i++)
      status = { ...status, ...observeImage(spec(), status, running(`sha256:${String(i).repeat(64)}`), at(i)) };
    expect(status.imageHistory?.map((h) => h.image.slice(-1))).toEqual(['7', '6', '5', '4', '3']);
  });

  it('does not watch an update without spec.imageUpdate, nor one of a Stopped container', () => {
    const history = { imageHistory: [{ image: `${APP}@${D1}`, at: now.toISOString(), reason: 'Created' as const }] };
    expect(observeImage({ image: `${APP}:2` }, history, running(D2), now).pendingUpdate).toBeUndefined();
    expect(observeImage(spec({ state: 'Stopped' }), history, running(D2), now).pendingUpdate).toBeUndefined();
  });

  const watched: NativeContainerStatus = {
    pendingUpdate: { image: `${APP}@${D2}`, previous: `${APP}@${D1}`, since: now.toISOString() },
  };

  it('with a healthcheck: verified once healthy, rolled back when not healthy by the deadline', () => {
    const s = spec({ healthcheck: { command: ['true'] } });
    expect(judgeUpdate(s, watched, running(D2, { health: 'healthy' }), at(3))).toEqual({ kind: 'verified' });
    expect(judgeUpdate(s, watched, running(D2, { health: 'starting' }), at(3))).toEqual({
      kind: 'wait',
      dueMs: at(10).getTime(),
    });
    const judged = judgeUpdate(s, watched, running(D2, { health: 'unhealthy' }), at(10));
    expect(judged).toMatchObject({
      kind: 'rollback',
      rollback: { from: `${APP}@${D2}`, to: `${APP}@${D1}`, specImage: `${APP}:1` },
    });
    if (judged.kind === 'rollback') expect(judged.rollback.message).toContain('was not healthy within 10 s');
  });

  it('without a healthcheck: verified when still running at the deadline, rolled back after a restart', () => {
    expect(judgeUpdate(spec(), watched, running(D2), at(5))).toMatchObject({ kind: 'wait' });
    expect(judgeUpdate(spec(), watched, running(D2), at(10))).toEqual({ kind: 'verified' });
    const restarted = running(D2, { startedAt: at(4).toISOString(), restartCount: 1 });
    expect(judgeUpdate(spec(), watched, restarted, at(10))).toMatchObject({ kind: 'rollback' });
    expect(
      judgeUpdate(spec(), watched, container('c1', 'exited', 'h', { imageDigest: `${APP}@${D2}` }), at(10)),
    ).toMatchObject({
      kind: 'rollback',
    });
  });

  it('forgets the watch for a Stopped container or another digest', () => {
    expect(judgeUpdate(spec({ state: 'Stopped' }), watched, running(D2), at(20))).toEqual({ kind: 'drop' });
    expect(judgeUpdate(spec(), watched, running(D3), at(20))).toEqual({ kind: 'drop' });
  });
});

describe('a rollback', () => {
  const rollback = {
    from: `${APP}@${D2}`,
    to: `${APP}@${D1}`,
    at: now.toISOString(),
    message: 'bad',
    specImage: `${APP}:1`,
  };

  it('stays in force while the tag still names the bad digest', () => {
    const status = { rollback, latestDigest: `${APP}:1@${D2}` };
    expect(rollbackActive(spec(), status)).toBe(true);
    expect(targetImage(spec(), status)).toEqual({ image: `${APP}@${D1}`, cause: `rolled back from ${D2}` });
  });

  it('ends when the tag moves, spec.image changes or a rebuild is requested', () => {
    expect(rollbackActive(spec(), { rollback, latestDigest: `${APP}:1@${D3}` })).toBe(false);
    expect(targetImage(spec(), { rollback, latestDigest: `${APP}:1@${D3}` })?.image).toBe(`${APP}@${D3}`);
    expect(rollbackActive(spec({ image: `${APP}:2` }), { rollback })).toBe(false);
    expect(rollbackActive(spec({ rebuildRequest: 'try again' }), { rollback })).toBe(false);
  });

  it('says RolledBack in status, does not watch the digest it went back to, and clears once over', () => {
    const history = [
      { image: `${APP}@${D2}`, at: now.toISOString(), reason: 'UpdateApplied' as const },
      { image: `${APP}@${D1}`, at: now.toISOString(), reason: 'Created' as const },
    ];
    const nc = {
      ...nativeContainer(spec()),
      status: { rollback, latestDigest: `${APP}:1@${D2}`, imageHistory: history },
    };
    const s = computeStatus({ nc, container: running(D1), engineSeen: true, now });
    expect(s.conditions?.find((c) => c.type === 'RolledBack')).toMatchObject({ status: 'True', reason: 'RolledBack' });
    expect(s.imageHistory?.[0]).toMatchObject({ image: `${APP}@${D1}`, reason: 'RolledBack' });
    expect(s.pendingUpdate).toBeUndefined();
    const moved = computeStatus({
      nc: { ...nc, status: { ...s, latestDigest: `${APP}:1@${D3}` } },
      container: running(D1),
      engineSeen: true,
      now,
    });
    expect(moved.rollback).toBeUndefined();
    expect(moved.conditions?.find((c) => c.type === 'RolledBack')).toMatchObject({
      status: 'False',
      reason: 'NoRollback',
    });
  });
});

describe('a container on an ImageBuild (imageFrom)', () => {
  // As the planner sees it: spec.image is the image the build pushed last.
  const built = (digest: string): NativeContainerSpec => ({
    imageFrom: { imageBuild: 'app' },
    image: `${APP}@${digest}`,
    imageUpdate: { healthDeadlineSeconds: 10 },
    healthcheck: { command: ['true'] },
  });

  it('never asks the registry: the build decides the digest', () => {
    expect(nextCheckMs({ ...built(D1), imageUpdate: { policy: 'Apply' } }, undefined)).toBeUndefined();
    expect(
      targetImage({ ...built(D1), imageUpdate: { policy: 'Apply' } }, { latestDigest: `${APP}@${D2}` }),
    ).toBeUndefined();
  });

  it('watches a new build, rolls it back, and the next build ends the rollback', () => {
    const first = observeImage(built(D1), {}, running(D1, { image: `${APP}@${D1}` }), now);
    const second = observeImage(built(D2), first, running(D2, { image: `${APP}@${D2}` }), at(1));
    expect(second.imageHistory?.[0]?.reason).toBe('ImageChanged');
    const judged = judgeUpdate(built(D2), second, running(D2, { health: 'unhealthy' }), at(11));
    expect(judged.kind).toBe('rollback');
    if (judged.kind !== 'rollback') return;
    const status = { ...second, rollback: judged.rollback };
    expect(targetImage(built(D2), status)?.image).toBe(`${APP}@${D1}`);
    expect(rollbackActive(built(D3), status)).toBe(false);
  });
});
