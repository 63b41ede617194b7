import { describe, expect, it } from 'vitest';
import { EngineUnavailableError, ImagePullError, InvalidConfigError } from '../../src/backend/container-backend.ts';
import { authFailure, pullFailure } from '../../src/backend/docker-backend.ts';
import { BlockedError } from '../../src/controllers/nativecontainer/execute.ts';
import { actionFor, classify as problemOf } from '../../src/controllers/nativecontainer/error-policy.ts';
import { UnresolvedReferenceError } from '../../src/controllers/nativecontainer/references.ts';

describe('classifying Docker failures', () => {
  it.each([
    [500, 'Head "http://127.0.0.1:40123/v2/app/manifests/1": no basic auth credentials', 'Unauthorized'],
    [500, 'unauthorized: authentication required', 'Unauthorized'],
    [404, 'pull access denied for app, repository does not exist or may require docker login', 'Unauthorized'],
    [404, 'manifest for 127.0.0.1:40123/app:9 not found: manifest unknown: manifest unknown', 'NotFound'],
    [500, 'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'Unreachable'],
    [400, 'invalid reference format: repository name must be lowercase', 'InvalidReference'],
    [400, 'repository name must not be more than 255 characters', 'InvalidReference'],
    [500, 'failed to register layer: no space left on device', 'Failed'],
  ])('reads a pull answered %d "%s" as %s', (status, message, kind) => {
    expect(pullFailure(status, message)).toBe(kind);
  });

  it.each([
    ['login attempt to http://127.0.0.1:40123/v2/ failed with status: 401 Unauthorized', 'Unauthorized'],
    ['Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'Unreachable'],
    ['Get "https://r.io/v2/": dial tcp: lookup r.io: no such host', 'Unreachable'],
  ])('reads a login answered "%s" as %s', (message, kind) => {
    expect(authFailure(message)).toBe(kind);
  });
});

describe('the condition a failure becomes', () => {
  const ctx = { rebuilding: false, hasSecretRef: true, deleting: false, host: 'local' };

  it.each([
    ['Unauthorized', 'RegistryAuthFailed', true],
    ['NotFound', 'ImageNotFound', true],
    ['InvalidReference', 'InvalidSpec', true],
    ['Unreachable', 'ImagePullFailed', false],
    ['Failed', 'ImagePullFailed', false],
  ] as const)('a pull failing as %s is %s (terminal: %s)', (kind, reason, terminal) => {
    expect(problemOf(new ImagePullError(kind, 'r.io/app:1', 'x'), ctx)).toMatchObject({ reason, terminal });
  });

  it('hints at secretRef when a registry wants credentials and none are given', () => {
    const p = problemOf(new ImagePullError('Unauthorized', 'r.io/app:1', 'no basic auth credentials'), {
      ...ctx,
      hasSecretRef: false,
    });
    expect(p.message).toContain('set spec.secretRef');
  });

  it('says that the old container is kept when a rebuild fails', () => {
    const p = problemOf(new ImagePullError('NotFound', 'r.io/app:2', 'manifest unknown'), { ...ctx, rebuilding: true });
    expect(p.message).toBe('Pulling r.io/app:2 failed: manifest unknown. The existing container is kept as it was.');
  });

  it('makes a refused container configuration InvalidSpec and a missing reference terminal', () => {
    expect(problemOf(new InvalidConfigError('Range of CPUs is from 0.01 to 2.00'), ctx)).toMatchObject({
      reason: 'InvalidSpec',
      terminal: true,
    });
    expect(problemOf(new UnresolvedReferenceError('SecretNotFound', 'Secret s not found.'), ctx)).toMatchObject({
      reason: 'SecretNotFound',
      terminal: true,
    });
  });

  it('keeps retrying an image that is absent under imagePullPolicy Never: someone may load it', () => {
    expect(problemOf(new BlockedError('ImageNotFound', 'image a:1 is not present'), ctx)).toMatchObject({
      reason: 'ImageNotFound',
      terminal: false,
    });
  });

  it('retries anything else as a DockerError, with backoff', () => {
    const p = problemOf(new Error('no space left on device'), ctx);
    expect(p).toMatchObject({ reason: 'DockerError', terminal: false });
    expect(actionFor(p)).toEqual({ kind: 'backoff' });
  });

  it('says which engine does not answer and what happens when it does, also while deleting', () => {
    const down = new EngineUnavailableError('unix:///run/docker.sock', 'connect ENOENT /run/docker.sock');
    const running = problemOf(down, ctx);
    expect(running).toMatchObject({ reason: 'DockerUnreachable', terminal: false });
    expect(running.message).toBe(
      'Docker on host local (unix:///run/docker.sock) is not answering: connect ENOENT /run/docker.sock. ' +
        'The operator acts as soon as it answers again; the container is left as it is meanwhile.',
    );
    expect(problemOf(down, { ...ctx, deleting: true }).message).toContain(
      'The container is removed as soon as it answers again; the resource stays until then.',
    );
    // Waiting for the engine is not a failure to back off from: its return enqueues the key.
    expect(actionFor(running)).toEqual({ kind: 'requeue', afterMs: 30_000 });
  });

  it('waits for a change after a terminal problem instead of retrying', () => {
    expect(actionFor(problemOf(new InvalidConfigError('bad'), ctx))).toEqual({ kind: 'await-change' });
  });
});
