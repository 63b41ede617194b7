import { describe, expect, it } from 'vitest';
import type { BuildRecord, ImageBuild } from '../../src/api/image-build.ts';
import { buildFailure, pushFailure } from '../../src/controllers/imagebuild/failure.ts';
import { computeBuildStatus, HISTORY, isFinished, withRecord } from '../../src/controllers/imagebuild/status.ts';

const started = new Date('2026-11-30T10:00:00Z');
const now = new Date('2026-11-30T10:00:12Z');
const ib = (status?: ImageBuild['status'], generation = 2): ImageBuild => ({
  metadata: { name: 'app', namespace: 'a', generation },
  spec: { image: 'r.io/app:1', secretRef: { name: 'push' }, dockerfile: 'FROM x' },
  ...(status ? { status } : {}),
});
const find = (s: ImageBuild['status'], type: string) => s?.conditions?.find((c) => c.type === type);
const digest = `sha256:${'ab'.repeat(32)}`;
const pushed = { image: `r.io/app@${digest}`, digest, size: 1234 };

describe('ImageBuild status', () => {
  it('is Reconciling while building, with the step under way', () => {
    const progress = { step: 2, steps: 3, instruction: 'RUN make' };
    const s = computeBuildStatus(ib(), { phase: 'Building', startedAt: started, progress, output: ['x'] }, now);
    expect(s).toMatchObject({ phase: 'Building', observedGeneration: 2, progress, output: ['x'] });
    expect(find(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Building' });
    expect(find(s, 'Ready')?.message).toContain('step 2 of 3');
  });

  it('is Ready with the digest, a short digest, the size and a history record once pushed', () => {
    const s = computeBuildStatus(ib(), { phase: 'Succeeded', startedAt: started, output: [], pushed }, now);
    expect(s).toMatchObject({
      phase: 'Succeeded',
      image: pushed.image,
      imageDigest: digest,
      shortDigest: 'abababababab',
      imageSize: 1234,
      startedAt: started.toISOString(),
      completedAt: now.toISOString(),
    });
    expect(find(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(s.history).toEqual([
      {
        generation: 2,
        result: 'Succeeded',
        reason: 'Succeeded',
        digest,
        durationSeconds: 12,
        completedAt: now.toISOString(),
      },
    ]);
    expect(isFinished({ ...ib(), status: s }, 'v1')).toBe(true);
  });

  it('keeps the last image pushed when a later build fails, and is Stalled with the reason', () => {
    const good = computeBuildStatus(
      ib(undefined, 1),
      { phase: 'Succeeded', startedAt: started, output: [], pushed },
      now,
    );
    const failure = buildFailure('returned a non-zero code: 1', 'Step 2/2 : RUN false');
    const s = computeBuildStatus(ib(good, 2), { phase: 'Failed', startedAt: started, output: ['boom'], failure }, now);
    expect(s).toMatchObject({ phase: 'Failed', image: pushed.image, imageDigest: digest, output: ['boom'] });
    expect(find(s, 'Ready')).toMatchObject({ status: 'False', reason: 'BuildFailed' });
    expect(find(s, 'Ready')?.message).toContain('Step 2/2 : RUN false');
    expect(find(s, 'Stalled')).toMatchObject({ status: 'True', reason: 'BuildFailed' });
    expect(s.history?.map((h) => h.result)).toEqual(['Failed', 'Succeeded']);
  });

  it('waits for a missing reference as Stalled, and for a build slot as Reconciling', () => {
    const missing = computeBuildStatus(ib(), { phase: 'Pending', reason: 'SecretNotFound', message: 'm' }, now);
    expect(find(missing, 'Stalled')).toMatchObject({ status: 'True', reason: 'SecretNotFound' });
    const slot = computeBuildStatus(ib(), { phase: 'Pending', reason: 'Waiting', message: 'slot' }, now);
    expect(find(slot, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Waiting' });
    expect(find(slot, 'Stalled')?.status).toBe('False');
    expect(isFinished({ ...ib(), status: slot }, 'v1')).toBe(false);
  });

  it('runs a failed build again when what it reads changed, and a pushed one only for a new generation', () => {
    const failure = { reason: 'RegistryAuthFailed' as const, message: 'm' };
    const failed = computeBuildStatus(ib(), { phase: 'Failed', output: [], failure }, now, 'v1');
    expect(failed.inputsVersion).toBe('v1');
    expect(isFinished({ ...ib(), status: failed }, 'v1')).toBe(true);
    expect(isFinished({ ...ib(), status: failed }, 'v2')).toBe(false);
    const pushed1 = computeBuildStatus(ib(), { phase: 'Succeeded', startedAt: started, output: [], pushed }, now, 'v1');
    expect(isFinished({ ...ib(), status: pushed1 }, 'v2')).toBe(true);
  });

  it('is not finished for a new generation, whatever the last build did', () => {
    const s = computeBuildStatus(ib(undefined, 1), { phase: 'Succeeded', startedAt: started, output: [], pushed }, now);
    expect(isFinished({ ...ib(s, 2) }, 'v1')).toBe(false);
  });

  it(`keeps the newest ${HISTORY} builds, newest first`, () => {
    const record = (generation: number): BuildRecord => ({
      generation,
      result: 'Succeeded',
      reason: 'Succeeded',
      durationSeconds: 1,
      completedAt: now.toISOString(),
    });
    let history: BuildRecord[] = [];
    for (let g = 1; g <= 7; g++) history = withRecord(history, record(g));
    expect(history.map((h) => h.generation)).toEqual([7, 6, 5, 4, 3]);
  });
});

describe('build failures', () => {
  it.each([
    [
      'an error before the first step',
      'dockerfile parse error line 1: unknown instruction: FOO',
      undefined,
      'InvalidDockerfile',
    ],
    [
      'a failing step',
      "The command '/bin/sh -c false' returned a non-zero code: 1",
      'Step 2/2 : RUN false',
      'BuildFailed',
    ],
    [
      'a refused base image pull',
      'Head "http://r/v2/base/manifests/1": no basic auth credentials',
      'Step 1/2 : FROM r/base:1',
      'RegistryAuthFailed',
    ],
  ])('%s is %s', (_what, message, step, reason) => {
    expect(buildFailure(message, step).reason).toBe(reason);
  });

  it('says RegistryAuthFailed for a refused push and PushFailed otherwise', () => {
    expect(pushFailure('r/a:1', 'unauthorized: authentication required').reason).toBe('RegistryAuthFailed');
    expect(pushFailure('r/a:1', 'dial tcp: connection refused').reason).toBe('PushFailed');
  });
});
