// The subresources answered over plain HTTP: log, stats, top, archive, commit and plan. Each
// finds the container that stands for the resource (from the host's cache) and calls its engine
// through ContainerAccess; streams are handed on as they come and end when the client leaves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NativeContainer } from '../api/native-container.ts';
import { withKind } from '../api/group.ts';
import { isNewImageName } from '../api/image-reference.ts';
import { defaultedNativeContainer } from '../api/validate.ts';
import { SUBRESOURCE_API, type CommitRequest, type CommitResult, type PlanResult } from '../api/subresources.ts';
import type { ContainerAccess, LogOptions } from '../backend/container-access.ts';
import { ConflictError, EngineUnavailableError, NotFoundError } from '../backend/container-backend.ts';
import type { EventRecorder } from '../runtime/events.ts';
import { limitBytes, logOptions } from './log-options.ts';
import { HttpError, sendJson } from './responses.ts';
import type { Admitted } from './server.ts';
import { statsLines, summarizeStats, type DockerStats } from './stats.ts';

/** The container of a resource, and how to reach its engine. */
export interface Target {
  host: string;
  access: ContainerAccess;
  id: string;
}

/** What the subresources need of the operator, injected by its wiring (src/operator.ts). */
export interface Targets {
  synced(): boolean;
  /** The resource from the informer's cache. */
  get(namespace: string, name: string): NativeContainer | undefined;
  /** The container that stands for the resource on its host, or undefined when it has none. */
  locate(nc: NativeContainer): Target | undefined;
  /** What the operator would do now if the resource were `proposed`. */
  plan(proposed: NativeContainer): Promise<PlanResult>;
  /** Pushes a local image with a ContainerSecret's credentials; returns the digest. */
  push(namespace: string, host: string, image: string, secretName: string): Promise<string | undefined>;
  /** Counts an engine stream (log, stats) as held for a client until it closes. */
  opened(subresource: 'log' | 'stats', stream: Readable): void;
  events: EventRecorder;
  /** Exec Events carry the whole command, not only its first word. */
  eventArguments: boolean;
}

const MAX_BODY = 1 << 20;

export async function handle(req: IncomingMessage, res: ServerResponse, a: Admitted, t: Targets): Promise<void> {
  switch (a.subresource) {
    case 'log':
      return log(req, res, a, t);
    case 'stats':
      return stats(req, res, a, t);
    case 'top': {
      const target = locate(a, t);
      const list = await engine(() => target.access.top(target.id, a.query.get('ps_args') ?? undefined));
      return sendJson(res, { kind: 'ProcessList', apiVersion: SUBRESOURCE_API, ...list });
    }
    case 'archive':
      return req.method === 'PUT' ? putArchive(req, res, a, t) : getArchive(req, res, a, t);
    case 'commit':
      return commit(req, res, a, t);
    case 'plan':
      return plan(req, res, a, t);
    default:
      throw new HttpError(400, `${a.subresource} needs a WebSocket (Upgrade: websocket)`);
  }
}

export function locate(a: Admitted, t: Targets): Target {
  const target = a.nc ? t.locate(a.nc) : undefined;
  if (!target) throw new HttpError(404, `NativeContainer ${a.namespace}/${a.name} has no container now`);
  return target;
}

/** Runs an engine call; what the engine refuses, or an engine not answering, becomes the matching HTTP error. */
export async function engine<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (err instanceof NotFoundError) throw new HttpError(404, err.message);
    if (err instanceof ConflictError) throw new HttpError(409, err.message);
    if (err instanceof EngineUnavailableError)
      throw new HttpError(503, `Docker at ${err.endpoint} is not answering: ${err.message}`);
    throw err;
  }
}

async function log(req: IncomingMessage, res: ServerResponse, a: Admitted, t: Targets): Promise<void> {
  let options: LogOptions & { limitBytes?: number };
  try {
    options = logOptions(a.query, Date.now());
  } catch (err) {
    throw new HttpError(400, (err as Error).message);
  }
  const target = locate(a, t);
  const stream = await engine(() => target.access.logs(target.id, options));
  t.opened('log', stream);
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
  const source =
    options.limitBytes === undefined ? stream : stream.pipe(limitBytes(options.limitBytes, () => stream.destroy()));
  await pipeline(source, res).catch(() => stream.destroy());
}

async function stats(req: IncomingMessage, res: ServerResponse, a: Admitted, t: Targets): Promise<void> {
  const target = locate(a, t);
  const follow = a.query.get('stream') === 'true' || a.query.get('follow') === 'true';
  const raw = await engine(() => target.access.stats(target.id, follow));
  if (!follow) {
    const chunks: Buffer[] = [];
    for await (const chunk of raw) chunks.push(chunk as Buffer);
    const sample = JSON.parse(Buffer.concat(chunks).toString('utf8')) as DockerStats;
    return sendJson(res, summarizeStats(sample));
  }
  t.opened('stats', raw);
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.flushHeaders();
  await pipeline(raw, statsLines(), res).catch(() => raw.destroy());
}

async function getArchive(req: IncomingMessage, res: ServerResponse, a: Admitted, t: Targets): Promise<void> {
  const target = locate(a, t);
  const archive = await engine(() => target.access.getArchive(target.id, requiredPath(a)));
  res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  await pipeline(archive.tar, res).catch(() => archive.tar.destroy());
}

async function putArchive(req: IncomingMessage, res: ServerResponse, a: Admitted, t: Targets): Promise<void> {
  const target = locate(a, t);
  await engine(() => target.access.putArchive(target.id, requiredPath(a), req));
  sendJson(res, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
}

function requiredPath(a: Admitted): string {
  const path = a.query.get('path');
  if (!path || !path.startsWith('/')) throw new HttpError(400, 'path must be an absolute path in the container');
  return path;
}

async function commit(req: IncomingMessage, res: ServerResponse, a: Admitted, t: Targets): Promise<void> {
  const body = (await readJson(req)) as Partial<CommitRequest>;
  const { repository, tag, image } = commitName(body);
  const target = locate(a, t);
  const imageID = await engine(() =>
    target.access.commit(target.id, {
      repository,
      tag,
      message: body.message,
      author: body.author ?? a.user.username,
    }),
  );
  const result: CommitResult = { kind: 'CommitResult', apiVersion: SUBRESOURCE_API, image, imageID, pushed: false };
  const nc = a.nc!;
  t.events.record(
    withKind(nc),
    'Normal',
    'Committed',
    `${a.user.username} committed the container as ${image} (${imageID.slice(0, 19)})`,
  );
  if (body.push?.secretName) {
    const digest = await t.push(a.namespace, target.host, image, body.push.secretName);
    Object.assign(result, { pushed: true, ...(digest ? { digest } : {}) });
    t.events.record(
      withKind(nc),
      'Normal',
      'Pushed',
      `${a.user.username} pushed ${image}${digest ? ` (${digest})` : ''}`,
    );
  }
  sendJson(res, result, 201);
}

/**
 * The image a commit makes, refused here when it is no name: Docker answers such a commit with a
 * 500 (invalid reference format), which is the user's mistake, not the server's.
 */
function commitName(body: Partial<CommitRequest>): { repository: string; tag: string; image: string } {
  if (typeof body.repository !== 'string' || body.repository === '') throw new HttpError(400, 'repository is required');
  const tag = body.tag || 'latest';
  const image = `${body.repository}:${tag}`;
  if (!isNewImageName(image)) {
    throw new HttpError(
      400,
      `${JSON.stringify(image)} is not an image name: a lowercase repository such as registry.example.com/team/app, and a tag of letters, digits, '_', '.' and '-'`,
    );
  }
  return { repository: body.repository, tag, image };
}

async function plan(req: IncomingMessage, res: ServerResponse, a: Admitted, t: Targets): Promise<void> {
  const body = (await readJson(req)) as Partial<NativeContainer>;
  if (!body.spec || typeof body.spec !== 'object')
    throw new HttpError(400, 'the body must be a NativeContainer with a spec');
  const base: NativeContainer = a.nc ?? {
    metadata: { name: a.name, namespace: a.namespace, uid: '', generation: 0 },
    spec: {},
  };
  const proposed: NativeContainer = {
    ...base,
    metadata: { ...base.metadata, generation: (base.metadata.generation ?? 0) + 1 },
    // As the API server would store it: with the CRD's defaults.
    spec: defaultedNativeContainer({ ...base, spec: body.spec }).spec,
  };
  sendJson(res, await t.plan(proposed), 201);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, `the body is larger than ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}
