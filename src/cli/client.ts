// kubectl-nc's connection to the API server: the user's kubeconfig, context and namespace as
// kubectl reads them, plain HTTPS requests (streams are handed on as they come), WebSockets for
// exec and attach, and errors as one line that says what was refused.
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import WebSocket from 'ws';
import { STREAM_PROTOCOLS, verbOf } from '../api/subresources.ts';
import { loadKubeContext, type KubeAuth } from '../runtime/kubeconfig.ts';

export interface Connection {
  auth: KubeAuth;
  namespace: string;
}

export function connect(o: { kubeconfig?: string; context?: string; namespace?: string }): Connection {
  const { auth, namespace } = loadKubeContext(o.kubeconfig, o.context);
  return { auth, namespace: o.namespace ?? namespace };
}

/** An error the plugin prints as one line, with the exit code to leave with. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A body that pipes itself into the request (a Node stream, or tar-stream's streamx pack). */
export interface Pipeable {
  pipe(destination: NodeJS.WritableStream): unknown;
}

export interface Call {
  method: string;
  path: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  body?: Pipeable | string;
  contentType?: string;
}

export function urlOf(c: Connection, path: string, query: Call['query'] = {}): URL {
  const url = new URL(path, c.auth.server);
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(one));
  }
  return url;
}

/** The response of a request that succeeded (2xx); anything else is a CliError with the server's message. */
export async function request(c: Connection, call: Call): Promise<IncomingMessage> {
  const url = urlOf(c, call.path, call.query);
  const options: https.RequestOptions = {
    method: call.method,
    headers: { Accept: 'application/json, */*', ...(call.contentType ? { 'Content-Type': call.contentType } : {}) },
  };
  await c.auth.apply(options);
  const transport = url.protocol === 'https:' ? https : http;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = transport.request(url, options, resolve);
    req.on('error', reject);
    if (call.body === undefined || typeof call.body === 'string') req.end(call.body);
    else call.body.pipe(req);
  });
  const code = res.statusCode ?? 0;
  if (code < 200 || code >= 300) throw new CliError(errorLine(code, await text(res), call.method, call.path));
  return res;
}

export async function requestJson<T>(c: Connection, call: Call): Promise<T> {
  return JSON.parse(await text(await request(c, call))) as T;
}

export async function text(res: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** One line: the server's Status message, and for a 403 the verb and subresource that were refused. */
export function errorLine(code: number, body: string, method: string, path: string): string {
  let message = body.trim();
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // Not a Status: the body as it is.
  }
  const sub = /\/nativecontainers\/[^/]+\/([a-z]+)$/.exec(new URL(path, 'https://x').pathname)?.[1];
  if (code === 403 && sub) {
    return `forbidden: you may not ${verbOf(method)} nativecontainers/${sub} (${message.split('\n')[0]})`;
  }
  if (code === 404 && message === '') return `not found: ${path}`;
  return `${message.split('\n')[0] || `HTTP ${code}`}`;
}

/** A WebSocket speaking the remote command protocol; refused upgrades become CliErrors. */
export async function openStream(c: Connection, path: string, query: Call['query']): Promise<WebSocket> {
  const url = urlOf(c, path, query);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const options: https.RequestOptions = { headers: {} };
  await c.auth.apply(options);
  const ws = new WebSocket(url, STREAM_PROTOCOLS, {
    ...(options as WebSocket.ClientOptions),
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      void text(res).then((body) => reject(new CliError(errorLine(res.statusCode ?? 0, body, 'GET', url.pathname))));
    });
    ws.once('error', (err) => reject(new CliError(err.message)));
  });
}
