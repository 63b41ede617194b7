// What a user reads when Docker does not answer: the cause in plain words, the system's own
// words kept beside them; the same errors from the subresource API's engine calls, and the HTTP
// code they are answered with.
import { describe, expect, it } from 'vitest';
import { engine } from '../../src/apiserver/handlers.ts';
import { HttpError } from '../../src/apiserver/responses.ts';
import {
  ConflictError,
  EngineUnavailableError,
  InvalidConfigError,
  NotFoundError,
} from '../../src/backend/container-backend.ts';
import { DockerAccess } from '../../src/backend/docker-access.ts';
import { engineError, inPlainWords } from '../../src/backend/docker-backend.ts';

function sysError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('inPlainWords', () => {
  it.each([
    [sysError('ENOENT', 'connect ENOENT /run/docker.sock'), 'its socket does not exist, so the daemon is not running'],
    [sysError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:2375'), 'it refuses connections'],
    [sysError('ECONNRESET', 'read ECONNRESET'), 'the connection was cut, the daemon stopped or restarted'],
    [new Error('socket hang up'), 'the connection was cut'],
    [sysError('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.9:2376'), 'its host cannot be reached'],
    [sysError('EACCES', 'connect EACCES /run/docker.sock'), 'may not open its socket'],
  ])('%s', (err, plain) => {
    const text = inPlainWords(err);
    expect(text).toContain(plain);
    expect(text).toContain(`(${err.message})`);
  });

  it('keeps a message it has no words for', () => {
    expect(inPlainWords(new Error('something else'))).toBe('something else');
  });
});

describe('engineError', () => {
  it('names the endpoint of an engine that does not answer', () => {
    const err = engineError('tcp://10.0.0.9:2376', sysError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.9:2376'));
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect(err).toMatchObject({ endpoint: 'tcp://10.0.0.9:2376' });
    expect(err.message).toContain('it refuses connections');
  });

  it('keeps what the engine refused: not found, an invalid request', () => {
    const refused = (statusCode: number) => Object.assign(new Error('(HTTP code 4xx) - no such thing'), { statusCode });
    expect(engineError('unix:///var/run/docker.sock', refused(404))).toBeInstanceOf(NotFoundError);
    expect(engineError('unix:///var/run/docker.sock', refused(400))).toBeInstanceOf(InvalidConfigError);
  });

  it('is what the subresources get from an engine that is not there', async () => {
    const access = new DockerAccess({ host: 'unix:///nonexistent/nco-docker.sock' });
    await expect(access.top('c1')).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(access.stats('c1', false)).rejects.toMatchObject({ endpoint: 'unix:///nonexistent/nco-docker.sock' });
  });
});

describe('the subresource API on engine errors', () => {
  it('answers 503 while the engine does not answer', async () => {
    const down = new EngineUnavailableError(
      'tcp://10.0.0.9:2376',
      'it refuses connections, so the daemon is not running',
    );
    const err = await engine(() => Promise.reject(down)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ code: 503 });
    expect((err as Error).message).toContain('tcp://10.0.0.9:2376');
    expect((err as Error).message).toContain('it refuses connections');
  });

  it.each([
    [new NotFoundError('no such container'), 404],
    [new ConflictError('container is not running'), 409],
  ])('answers %s with %i', async (refused, code) => {
    await expect(engine(() => Promise.reject(refused))).rejects.toMatchObject({ code });
  });
});
