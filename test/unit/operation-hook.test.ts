// The Docker operations metric wraps the backend; the wrapper must not change what a call answers
// or how it fails (an event stream's error once reached the status as "[object Promise]").
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineUnavailableError } from '../../src/backend/container-backend.ts';
import { DockerBackend } from '../../src/backend/docker-backend.ts';
import { withOperationHook } from '../../src/backend/operation-hook.ts';

const absentSocket = () => `unix://${join(mkdtempSync(join(tmpdir(), 'nco-hook-')), 'docker.sock')}`;

describe('the operation hook around a backend', () => {
  it('lets an event stream fail with the engine error, in words, counting nothing', async () => {
    const counted: string[] = [];
    const backend = withOperationHook(new DockerBackend({ host: absentSocket() }), (op, result) =>
      counted.push(`${op}:${result}`),
    );
    const failure = await backend
      .events(
        () => undefined,
        new AbortController().signal,
        () => undefined,
      )
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(EngineUnavailableError);
    expect((failure as Error).message).toContain('its socket does not exist, so the daemon is not running');
    expect(counted).toEqual([]);
  });

  it('counts an operation once, with its outcome, and keeps its error', async () => {
    const counted: string[] = [];
    const backend = withOperationHook(new DockerBackend({ host: absentSocket() }), (op, result) =>
      counted.push(`${op}:${result}`),
    );
    await expect(backend.ping()).rejects.toThrow(/its socket does not exist/);
    expect(counted).toEqual(['ping:error']);
  });
});
