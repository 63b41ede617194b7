import { describe, expect, it } from 'vitest';
import type { ImageBuild, ImageBuildSpec } from '../../src/api/image-build.ts';
import type { RegistryAuth } from '../../src/backend/container-backend.ts';
import {
  ImageBuildError,
  type BuildRequest,
  type ImageBuilder,
  type StreamMessage,
} from '../../src/backend/image-builder.ts';
import { executeBuild } from '../../src/controllers/imagebuild/execute.ts';
import type { BuildState } from '../../src/controllers/imagebuild/status.ts';
import { silentLog } from './fixtures.ts';

const DIGEST = `sha256:${'12'.repeat(32)}`;
const auth: RegistryAuth = { username: 'u', password: 'p', serveraddress: 'r.io' };

interface Script {
  remote?: string | Error;
  build?: StreamMessage[] | Error | 'hang';
  push?: StreamMessage[];
}

/** An engine in memory: it answers as a script says and records what it was asked. */
class ScriptedBuilder implements ImageBuilder {
  calls: string[] = [];
  request: BuildRequest | undefined;
  private readonly script: Script;
  constructor(script: Script) {
    this.script = script;
  }

  remoteDigest(): Promise<string | undefined> {
    this.calls.push('remoteDigest');
    const r = this.script.remote;
    return r instanceof Error ? Promise.reject(r) : Promise.resolve(r);
  }

  async build(request: BuildRequest, onMessage: (m: StreamMessage) => void, signal: AbortSignal): Promise<void> {
    this.calls.push('build');
    this.request = request;
    const b = this.script.build ?? [];
    if (b === 'hang') {
      await new Promise<void>((_, reject) =>
        signal.addEventListener('abort', () => reject(new ImageBuildError('Aborted', 'aborted'))),
      );
      return;
    }
    if (b instanceof Error) throw b;
    b.forEach(onMessage);
  }

  push(_image: string, _auth: RegistryAuth, onMessage: (m: StreamMessage) => void): Promise<void> {
    this.calls.push('push');
    (this.script.push ?? [{ status: '1: digest: x' }, { aux: { Digest: DIGEST } }]).forEach(onMessage);
    return Promise.resolve();
  }

  imageSize(): Promise<number | undefined> {
    return Promise.resolve(42);
  }

  removeImages(): Promise<number> {
    return Promise.resolve(0);
  }

  removeUntagged(ids: readonly string[]): Promise<number> {
    this.calls.push(`removeUntagged ${ids.join(',')}`);
    return Promise.resolve(ids.length);
  }
}

const ib = (spec: Partial<ImageBuildSpec> = {}, status?: ImageBuild['status']): ImageBuild => ({
  metadata: { name: 'app', namespace: 'a', uid: 'u1', generation: 1 },
  spec: { image: 'r.io/team/app:1', secretRef: { name: 'push' }, dockerfile: 'FROM base', ...spec },
  ...(status ? { status } : {}),
});

async function run(builder: ScriptedBuilder, build = ib(), signal = new AbortController().signal) {
  const phases: string[] = [];
  const end = await executeBuild({
    ib: build,
    inputs: { dockerfile: 'FROM base', files: [], pushAuth: auth, baseAuths: [] },
    builder,
    log: silentLog(),
    announce: (s: BuildState) => void phases.push(s.phase),
    progress: () => undefined,
    signal,
    now: () => new Date(),
  });
  return { end, phases };
}

const steps: StreamMessage[] = [{ stream: 'Step 1/2 : FROM base\n' }, { stream: 'Step 2/2 : RUN make\n' }];

describe('one build', () => {
  it('builds, pushes, and ends with the pushed digest, by digest reference', async () => {
    const builder = new ScriptedBuilder({ build: steps });
    const { end, phases } = await run(builder);
    expect(phases).toEqual(['Building', 'Pushing']);
    expect(end).toMatchObject({
      phase: 'Succeeded',
      pushed: { image: `r.io/team/app@${DIGEST}`, digest: DIGEST, size: 42 },
    });
    expect(builder.request?.labels).toMatchObject({ 'nativecontainer.io/imagebuild-uid': 'u1' });
  });

  it('builds nothing when the tag exists and overwriteTag is false (TagExists)', async () => {
    const builder = new ScriptedBuilder({ remote: `sha256:${'99'.repeat(32)}` });
    const { end, phases } = await run(builder);
    expect(end).toMatchObject({ phase: 'Failed', failure: { reason: 'TagExists' } });
    expect(builder.calls).toEqual(['remoteDigest']);
    expect(phases).toEqual([]);
  });

  it('builds again over a tag that holds what this ImageBuild pushed last', async () => {
    const builder = new ScriptedBuilder({ remote: DIGEST, build: steps });
    const { end } = await run(builder, ib({}, { imageDigest: DIGEST }));
    expect(end.phase).toBe('Succeeded');
  });

  it('does not ask the registry when overwriteTag is true', async () => {
    const builder = new ScriptedBuilder({ remote: new Error('must not be asked'), build: steps });
    await run(builder, ib({ overwriteTag: true }));
    expect(builder.calls).toEqual(['build', 'push']);
  });

  it('says RegistryAuthFailed when the registry refuses the credentials, before building', async () => {
    const builder = new ScriptedBuilder({ remote: new ImageBuildError('Unauthorized', 'unauthorized') });
    const { end } = await run(builder);
    expect(end).toMatchObject({ phase: 'Failed', failure: { reason: 'RegistryAuthFailed' } });
    expect(builder.calls).toEqual(['remoteDigest']);
  });

  it('says BuildFailed with the step, removes the layers it left, and does not push', async () => {
    const layers = [{ stream: ' ---> 0123456789ab\n' }, { stream: ' ---> ba9876543210\n' }];
    const builder = new ScriptedBuilder({ build: [...steps, ...layers, { error: 'returned a non-zero code: 2' }] });
    const { end } = await run(builder);
    expect(end).toMatchObject({ phase: 'Failed', failure: { reason: 'BuildFailed' } });
    expect(end.phase === 'Failed' && end.failure.message).toContain('Step 2/2 : RUN make');
    expect(builder.calls).toEqual(['remoteDigest', 'build', 'removeUntagged 0123456789ab,ba9876543210']);
  });

  it('says Timeout when the build outlives timeoutSeconds', async () => {
    const builder = new ScriptedBuilder({ build: 'hang' });
    const { end } = await run(builder, ib({ timeoutSeconds: 1 }));
    expect(end).toMatchObject({ phase: 'Failed', failure: { reason: 'Timeout' } });
  });

  it('throws, rather than failing the build, when the operator stops', async () => {
    const builder = new ScriptedBuilder({ build: 'hang' });
    const stop = new AbortController();
    const running = run(builder, ib(), stop.signal);
    setTimeout(() => stop.abort(), 10);
    await expect(running).rejects.toThrow('aborted');
  });

  it('says PushFailed when the registry reports no digest', async () => {
    const builder = new ScriptedBuilder({ build: steps, push: [{ status: 'done' }] });
    const { end } = await run(builder);
    expect(end).toMatchObject({ phase: 'Failed', failure: { reason: 'PushFailed' } });
  });
});
