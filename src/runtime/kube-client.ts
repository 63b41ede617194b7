// A small REST client over node:https, authenticated by `kubeconfig.ts`.
// We speak HTTP ourselves rather than through the generated clients because we need exact
// control of patch content types (custom resources reject strategic merge patch) and of the
// watch stream (idle detection, bookmarks, resume from a resourceVersion).
import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { loadKubeAuth, type KubeAuth } from './kubeconfig.ts';

export type PatchType = 'merge' | 'json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

/** An error answer of the API server, with its HTTP code and Status reason (NotFound, Conflict, ...). */
export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  constructor(code: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeApiError';
    this.code = code;
    this.reason = reason;
  }
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 404;
}

export function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.code === 409;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface WatchOptions {
  query: Record<string, string | number | boolean | undefined>;
  signal: AbortSignal;
  /** The stream is abandoned when nothing (event or bookmark) arrives for this long. */
  idleTimeoutMs: number;
  onEvent: (event: WatchEvent) => void;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Record<string, unknown>;
}

export class WatchIdleError extends Error {
  constructor(ms: number) {
    super(`watch received nothing for ${ms} ms`);
    this.name = 'WatchIdleError';
  }
}

export class KubeClient {
  readonly auth: KubeAuth;
  private readonly server: URL;

  constructor(auth: KubeAuth) {
    this.auth = auth;
    this.server = auth.server;
  }

  /** The given kubeconfig, else $KUBECONFIG, ~/.kube/config, or the pod's service account. */
  static fromEnvironment(kubeconfigPath?: string): KubeClient {
    return new KubeClient(loadKubeAuth(kubeconfigPath));
  }

  get serverUrl(): string {
    return this.server.toString();
  }

  async get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  async create<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  async patch<T>(path: string, type: PatchType, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body, contentType: PATCH_CONTENT_TYPES[type] });
  }

  async delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path, {});
  }

  async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await readAll(res);
    const code = res.statusCode ?? 0;
    if (code >= 400) throw toApiError(code, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Streams a watch until the server closes it, the signal aborts, or the stream goes idle.
   * Guarantees: resolves when the server ends the stream normally; rejects with WatchIdleError
   * when nothing arrives for idleTimeoutMs, and with KubeApiError when the server refuses.
   */
  async watch(path: string, options: WatchOptions): Promise<void> {
    const res = await this.send('GET', path, { query: { ...options.query, watch: true }, signal: options.signal });
    const code = res.statusCode ?? 0;
    if (code >= 400) throw toApiError(code, await readAll(res));
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = (err?: Error): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        res.destroy();
        if (err) reject(err);
        else resolve();
      };
      const arm = (): void => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(new WatchIdleError(options.idleTimeoutMs)), options.idleTimeoutMs);
      };
      arm();
      const lines = createInterface({ input: res });
      lines.on('line', (line) => {
        if (finished || !line.trim()) return;
        arm();
        try {
          options.onEvent(JSON.parse(line) as WatchEvent);
        } catch (err) {
          // An ERROR event (410 Gone, for one) ends this stream; the caller decides what follows.
          finish(err instanceof Error ? err : new Error(String(err)));
        }
      });
      lines.on('close', () => finish());
      // readline re-emits errors of its input (Node >= 25): unhandled, they would crash the process.
      lines.on('error', (err) => finish(err));
      res.on('error', (err) => finish(err));
      res.on('aborted', () => finish(new Error('watch stream aborted by the server')));
      options.signal.addEventListener('abort', () => finish(), { once: true });
    });
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<http.IncomingMessage> {
    const url = new URL(path, this.server);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const reqOptions: https.RequestOptions = {
      method,
      headers: {
        Accept: 'application/json',
        ...(body === undefined
          ? {}
          : { 'Content-Type': options.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) }),
      },
      timeout: options.timeoutMs ?? 30_000,
    };
    await this.auth.apply(reqOptions);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { ...reqOptions, signal: options.signal }, resolve);
      // The socket timeout only guards connecting and unary calls; watches arm their own idle timer.
      req.on('timeout', () =>
        req.destroy(new Error(`${method} ${url.pathname}: no answer within ${reqOptions.timeout} ms`)),
      );
      req.on('response', (res) => res.socket.setTimeout(0));
      req.on('error', reject);
      req.end(body);
    });
  }
}

async function readAll(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function toApiError(code: number, text: string): KubeApiError {
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    return new KubeApiError(code, status.reason ?? String(code), status.message ?? text);
  } catch {
    return new KubeApiError(code, String(code), text || `HTTP ${code}`);
  }
}
