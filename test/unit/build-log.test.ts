import { describe, expect, it } from 'vitest';
import { BuildLog, OUTPUT_LINES } from '../../src/controllers/imagebuild/build-log.ts';

describe('the build log', () => {
  it('follows the step under way from Docker’s "Step n/m : instruction" lines', () => {
    const log = new BuildLog();
    log.feed({ stream: 'Step 1/3 : FROM base\n' });
    log.feed({ stream: ' ---> 1234\n' });
    log.feed({ stream: 'Step 2/3 : RUN make\n' });
    expect(log.progress).toEqual({ step: 2, steps: 3, instruction: 'RUN make' });
  });

  it('joins lines split across stream messages and sends every complete line on', () => {
    const lines: string[] = [];
    const log = new BuildLog((l) => lines.push(l));
    log.feed({ stream: 'Step 1/2 : RUN ec' });
    log.feed({ stream: 'ho hi\nhi\n' });
    log.feed({ stream: 'no newline' });
    log.flush();
    expect(lines).toEqual(['Step 1/2 : RUN echo hi', 'hi', 'no newline']);
  });

  it(`keeps only the last ${OUTPUT_LINES} lines`, () => {
    const log = new BuildLog();
    for (let i = 1; i <= 30; i++) log.feed({ stream: `line ${i}\n` });
    expect(log.output).toHaveLength(OUTPUT_LINES);
    expect(log.output[0]).toBe('line 11');
    expect(log.output.at(-1)).toBe('line 30');
  });

  it('names the step that was running when the first error came', () => {
    const log = new BuildLog();
    log.feed({ stream: 'Step 1/3 : FROM base\n' });
    log.feed({ stream: 'Step 2/3 : RUN false\n' });
    log.feed({ errorDetail: { message: "The command '/bin/sh -c false' returned a non-zero code: 1", code: 1 } });
    log.feed({ error: 'later' });
    expect(log.failedStep).toBe('Step 2/3 : RUN false');
    expect(log.error).toBe("The command '/bin/sh -c false' returned a non-zero code: 1");
    expect(log.output.at(-2)).toContain('non-zero code');
  });

  it('has no failed step for an error before the first step (the Dockerfile itself)', () => {
    const log = new BuildLog();
    log.feed({ error: 'dockerfile parse error line 1: unknown instruction: FOO' });
    expect(log.failedStep).toBeUndefined();
  });

  it('leaves per-layer download and push chatter out, and keeps the pushed digest', () => {
    const log = new BuildLog();
    log.feed({ status: 'Pulling from base', id: '1' });
    log.feed({ status: 'Downloading', id: 'abc' });
    log.feed({ status: 'Pushing', id: 'abc' });
    log.feed({ status: '1: digest: sha256:aa size: 527' });
    log.feed({ aux: { Tag: '1', Digest: 'sha256:aa', Size: 527 } });
    expect(log.output).toEqual(['1: Pulling from base', '1: digest: sha256:aa size: 527']);
    expect(log.digest).toBe('sha256:aa');
  });
});
