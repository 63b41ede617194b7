import { describe, expect, it } from 'vitest';
import type { ImageBuild } from '../../src/api/image-build.ts';
import { StatusReporter } from '../../src/controllers/imagebuild/reporter.ts';
import type { BuildState } from '../../src/controllers/imagebuild/status.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { until } from './fixtures.ts';

const ib: ImageBuild = {
  metadata: { name: 'app', namespace: 'a', generation: 1 },
  spec: { image: 'r.io/app:1', secretRef: { name: 'push' }, dockerfile: 'FROM x' },
};
const startedAt = new Date(0);
const step = (n: number): BuildState => ({
  phase: 'Building',
  startedAt,
  output: [],
  progress: { step: n, steps: 9, instruction: `RUN ${n}` },
});

/** A reporter over a client that records the progress step of every status patch. */
function reporter(intervalMs: number) {
  const steps: (number | string)[] = [];
  const client = {
    patch: (_path: string, _type: string, body: { status: { phase: string; progress?: { step: number } } }) => {
      steps.push(body.status.progress?.step ?? body.status.phase);
      return Promise.resolve({ ...ib });
    },
  } as unknown as KubeClient;
  const r = new StatusReporter({
    client,
    path: '/x',
    ib,
    inputsVersion: 'v1',
    now: () => new Date(),
    intervalMs,
    onError: (err) => {
      throw err;
    },
    onWritten: () => undefined,
  });
  return { r, steps };
}

describe('the status reporter of a build', () => {
  it('writes progress at most once per interval, and the newest state when the interval is over', async () => {
    const { r, steps } = reporter(50);
    r.progress(step(1));
    r.progress(step(2));
    r.progress(step(3));
    await until('the newest step written', () => steps.includes(3));
    expect(steps).toEqual([1, 3]);
  });

  it('drops progress not yet written when a phase is reported, so it never overwrites the end', async () => {
    const { r, steps } = reporter(30);
    r.progress(step(1));
    r.progress(step(2));
    await r.report({ phase: 'Failed', startedAt, output: [], failure: { reason: 'BuildFailed', message: 'm' } });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(steps).toEqual([1, 'Failed']);
  });
});
