// What a user reads when Docker does not answer: the cause in plain words, the system's own
// words kept beside them.
import { describe, expect, it } from 'vitest';
import { inPlainWords } from '../../src/backend/docker-backend.ts';

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
