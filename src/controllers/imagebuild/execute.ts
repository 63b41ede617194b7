// One build of an ImageBuild, run to completion: ask the registry whether the tag exists, build
// the context on the engine, push, and read the digest. It makes no decisions about status; it
// reports each phase through `report` and returns how the build ended.
//
// Invariants: credentials go to the engine's auth headers only (never to `report` or the log);
// the timeout covers build and push, and its abort closes the engine's stream, which cancels the
// build; an abort of `signal` (the operator stopping) is thrown, not reported as a failure.
import type { Logger } from 'pino';
import type { ImageBuild } from '../../api/image-build.ts';
import { withDigest } from '../../api/image-reference.ts';
import { toBytes, toNanoCpus } from '../../api/quantity.ts';
import { ImageBuildError, type BuildRequest, type ImageBuilder } from '../../backend/image-builder.ts';
import { BuildLog } from './build-log.ts';
import { contextArchive } from './context-archive.ts';
import { buildFailure, pushFailure, timeoutFailure, type Failure } from './failure.ts';
import { imageLabels } from './identity.ts';
import type { BuildInputs } from './inputs.ts';
import type { BuildState } from './status.ts';

export const DEFAULT_TIMEOUT_SECONDS = 1800;

export interface ExecuteOptions {
  ib: ImageBuild;
  inputs: BuildInputs;
  builder: ImageBuilder;
  log: Logger;
  /** Called at each phase; not awaited (the caller keeps the writes in order). */
  announce: (state: BuildState) => void;
  /** Called with each message of the build stream; the caller throttles and never throws. */
  progress: (state: BuildState) => void;
  /** Aborted when the operator stops acting (shutdown, lost leadership). */
  signal: AbortSignal;
  now: () => Date;
}

type Ended = Extract<BuildState, { phase: 'Succeeded' | 'Failed' }>;

export async function executeBuild(o: ExecuteOptions): Promise<Ended> {
  const { ib, inputs, builder } = o;
  const startedAt = o.now();
  const seconds = ib.spec.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const timeout = AbortSignal.timeout(seconds * 1000);
  const signal = AbortSignal.any([o.signal, timeout]);
  const log = new BuildLog((line) => o.log.info({ line }, 'build output'));
  const failed = (failure: Failure): Ended => ({ phase: 'Failed', startedAt, output: log.output, failure });
  const image = ib.spec.image;

  const exists = await tagExists(o);
  if (exists) return failed(exists);

  o.announce({ phase: 'Building', startedAt, output: [] });
  try {
    await builder.build(
      await buildRequest(ib, inputs),
      (m) => {
        log.feed(m);
        o.progress({
          phase: 'Building',
          startedAt,
          output: log.output,
          ...(log.progress ? { progress: log.progress } : {}),
        });
      },
      signal,
    );
  } catch (err) {
    log.flush();
    const why = ended(
      err,
      o.signal,
      () => timeoutFailure(seconds, 'while building'),
      (m) => buildFailure(m, log.failedStep),
    );
    await dropLayers(o, log.layers);
    return failed(why);
  }
  log.flush();
  if (log.error !== undefined) {
    await dropLayers(o, log.layers);
    return failed(buildFailure(log.error, log.failedStep));
  }

  o.announce({ phase: 'Pushing', startedAt, output: log.output });
  try {
    await builder.push(image, inputs.pushAuth, (m) => log.feed(m), signal);
  } catch (err) {
    return failed(
      ended(
        err,
        o.signal,
        () => timeoutFailure(seconds, 'while pushing'),
        (m) => pushFailure(image, m),
      ),
    );
  }
  log.flush();
  if (log.error !== undefined) return failed(pushFailure(image, log.error));
  const digest = log.digest;
  if (digest === undefined) return failed(pushFailure(image, 'the registry reported no digest'));
  const size = await builder.imageSize(image);
  return {
    phase: 'Succeeded',
    startedAt,
    output: log.output,
    pushed: { image: withDigest(image, digest), digest, ...(size !== undefined ? { size } : {}) },
  };
}

/**
 * The layers a failed build left are named by nothing and used by nothing: removed at once, so
 * they do not pile up (a successful build's layers go with its image when the ImageBuild goes).
 * Best effort: the build has failed already, and that is what status says.
 */
async function dropLayers(o: ExecuteOptions, layers: readonly string[]): Promise<void> {
  try {
    const removed = await o.builder.removeUntagged(layers);
    o.log.info({ removed }, 'removed the layers of the failed build');
  } catch (err) {
    o.log.warn({ err: String(err) }, 'could not remove the layers of the failed build');
  }
}

/** TagExists unless overwriteTag, or unless the tag holds what this ImageBuild pushed last. */
async function tagExists(o: ExecuteOptions): Promise<Failure | undefined> {
  const { ib } = o;
  if (ib.spec.overwriteTag) return undefined;
  let remote: string | undefined;
  try {
    remote = await o.builder.remoteDigest(ib.spec.image, o.inputs.pushAuth);
  } catch (err) {
    if (err instanceof ImageBuildError && err.kind === 'Unauthorized')
      return {
        reason: 'RegistryAuthFailed',
        message: `The registry refused the credentials for ${ib.spec.image}: ${err.message}`,
      };
    throw err;
  }
  if (remote === undefined || remote === ib.status?.imageDigest) return undefined;
  return {
    reason: 'TagExists',
    message: `${ib.spec.image} already exists in the registry (${remote}) and overwriteTag is false; nothing was built.`,
  };
}

/** How an error ended the build: a timeout, a failure of the engine's, or (rethrown) a stop. */
function ended(
  err: unknown,
  stopping: AbortSignal,
  timedOut: () => Failure,
  failure: (message: string) => Failure,
): Failure {
  if (stopping.aborted) throw err;
  if (err instanceof ImageBuildError) return err.kind === 'Aborted' ? timedOut() : failure(err.message);
  throw err;
}

async function buildRequest(ib: ImageBuild, inputs: BuildInputs): Promise<BuildRequest> {
  return {
    context: await contextArchive(inputs.dockerfile, inputs.files),
    tag: ib.spec.image,
    buildArgs: ib.spec.buildArgs ?? {},
    labels: imageLabels(ib),
    ...(ib.spec.target ? { target: ib.spec.target } : {}),
    noCache: ib.spec.noCache ?? false,
    pull: ib.spec.pull ?? false,
    ...limits(ib),
    registryAuths: inputs.baseAuths,
  };
}

function limits(ib: ImageBuild): { nanoCpus?: number; memoryBytes?: number } {
  const { cpu, memory } = ib.spec.resources ?? {};
  return {
    ...(cpu !== undefined ? { nanoCpus: toNanoCpus(cpu) } : {}),
    ...(memory !== undefined ? { memoryBytes: toBytes(memory) } : {}),
  };
}
