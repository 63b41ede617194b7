// The aggregated API server of NativeContainer subresources (subresources.nativecontainer.io):
// HTTPS with the front proxy's client certificates, delegated authentication and authorization,
// discovery, and the subresources themselves. It runs on every replica, leader or not: it only
// reads the caches and acts on one container at a user's request.
//
// Guarantees: every subresource request is authenticated (front-proxy certificate and user
// headers) and authorized (a SubjectAccessReview for the verb and subresource) before anything
// reaches Docker; the request-header CA and the serving certificate are read again every minute,
// so a rotated certificate is served without a restart.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { NativeContainer } from '../api/native-container.ts';
import {
  STREAM_PROTOCOLS,
  SUBRESOURCE_API,
  SUBRESOURCE_GROUP,
  SUBRESOURCES,
  verbOf,
  type Subresource,
} from '../api/subresources.ts';
import { errorMessage } from '../runtime/errors.ts';
import type { KubeClient } from '../runtime/kube-client.ts';
import { authenticate, loadRequestHeaderConfig, type RequestHeaderConfig, type UserInfo } from './authentication.ts';
import { Authorizer } from './authorization.ts';
import { handle, type Targets } from './handlers.ts';
import { discovery, HttpError, sendJson, sendStatus, statusBody } from './responses.ts';
import { serveStream } from './streams.ts';

export interface SubresourceServerOptions {
  host: string;
  port: number;
  certFile: string;
  keyFile: string;
  client: KubeClient;
  log: Logger;
  targets: Targets;
  /** How often the request-header CA and the serving certificate are read again. */
  reloadMs?: number;
}

export interface SubresourceServer {
  port: number;
  close(): Promise<void>;
}

/** What a request is about, once it is let in. */
export interface Admitted {
  user: UserInfo;
  namespace: string;
  name: string;
  subresource: Subresource;
  nc: NativeContainer | undefined;
  query: URLSearchParams;
}

const PATH = new RegExp(
  `^/apis/${SUBRESOURCE_API.replaceAll('.', '\\.')}/namespaces/([^/]+)/nativecontainers/([^/]+)/([a-z]+)$`,
);

export async function serveSubresources(o: SubresourceServerOptions): Promise<SubresourceServer> {
  let config = await loadRequestHeaderConfig(o.client);
  const tls = (): { cert: Buffer; key: Buffer; ca: string } => ({
    cert: readFileSync(o.certFile),
    key: readFileSync(o.keyFile),
    ca: config.clientCa,
  });
  const authorizer = new Authorizer(o.client);
  const server = https.createServer({ ...tls(), requestCert: true, rejectUnauthorized: false });
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered) => STREAM_PROTOCOLS.find((p) => offered.has(p)) ?? false,
  });
  const admit = (req: IncomingMessage): Promise<Admitted> => admitRequest(req, config, authorizer, o.targets);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void answer(req, res, config, admit, o).catch((err: unknown) => fail(res, err, o.log));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void admit(req)
      .then(
        (a) => {
          if (a.subresource !== 'exec' && a.subresource !== 'attach')
            throw new HttpError(400, `${a.subresource} is not a stream`);
          wss.handleUpgrade(req, socket, head, (ws) => serveStream(ws, a, o.targets, o.log));
        },
        (err: unknown) => refuseUpgrade(socket, err, o.log),
      )
      .catch((err: unknown) => refuseUpgrade(socket, err, o.log));
  });

  const reload = setInterval(() => {
    void loadRequestHeaderConfig(o.client)
      .then((fresh) => {
        config = fresh;
        server.setSecureContext(tls());
      })
      .catch((err: unknown) => o.log.warn({ err: errorMessage(err) }, 'could not reload the subresource server TLS'));
  }, o.reloadMs ?? 60_000);
  reload.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  o.log.info({ host: o.host, port }, 'subresource API server listening');
  return {
    port,
    async close() {
      clearInterval(reload);
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  config: RequestHeaderConfig,
  admit: (req: IncomingMessage) => Promise<Admitted>,
  o: SubresourceServerOptions,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'https://localhost').pathname;
  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    const ready = path !== '/readyz' || o.targets.synced();
    res.writeHead(ready ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ready ? 'ok' : 'caches not synced');
    return;
  }
  const doc = discovery(path);
  if (doc !== undefined) {
    // Discovery is public to every authenticated user (system:discovery grants it to all of them).
    const who = authenticate(req, config);
    if ('refused' in who) throw new HttpError(401, `Unauthorized: ${who.refused}`);
    sendJson(res, doc);
    return;
  }
  await handle(req, res, await admit(req), o.targets);
}

async function admitRequest(
  req: IncomingMessage,
  config: RequestHeaderConfig,
  authorizer: Authorizer,
  targets: Targets,
): Promise<Admitted> {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const who = authenticate(req, config);
  if ('refused' in who) throw new HttpError(401, `Unauthorized: ${who.refused}`);
  const { namespace, name, subresource } = parsePath(url.pathname);
  const method = req.method ?? 'GET';
  if (!SUBRESOURCES[subresource].includes(method)) {
    throw new HttpError(405, `${method} is not allowed on nativecontainers/${subresource}`);
  }
  const verb = verbOf(method);
  const decision = await authorizer.authorize(who, { namespace, name, verb, subresource });
  if (!decision.allowed) {
    const why = decision.reason ? `: ${decision.reason}` : '';
    throw new HttpError(
      403,
      `nativecontainers.${SUBRESOURCE_GROUP} "${name}" is forbidden: User "${who.username}" cannot ${verb} resource "nativecontainers/${subresource}" in API group "${SUBRESOURCE_GROUP}" in the namespace "${namespace}"${why}`,
    );
  }
  if (!targets.synced()) throw new HttpError(503, 'the operator has not read its caches yet; try again');
  const nc = targets.get(namespace, name);
  if (!nc && subresource !== 'plan')
    throw new HttpError(404, `nativecontainers.nativecontainer.io "${name}" not found`);
  return { user: who, namespace, name, subresource, nc, query: url.searchParams };
}

function parsePath(path: string): { namespace: string; name: string; subresource: Subresource } {
  const match = PATH.exec(path);
  const subresource = match?.[3] as Subresource | undefined;
  if (!match || subresource === undefined || !(subresource in SUBRESOURCES)) {
    throw new HttpError(404, `the server could not find the requested resource ${path}`);
  }
  return { namespace: decodeURIComponent(match[1]!), name: decodeURIComponent(match[2]!), subresource };
}

function fail(res: ServerResponse, err: unknown, log: Logger): void {
  const code = err instanceof HttpError ? err.code : 500;
  if (code >= 500) log.warn({ err: errorMessage(err) }, 'subresource request failed');
  sendStatus(res, code, errorMessage(err));
}

function refuseUpgrade(socket: Duplex, err: unknown, log: Logger): void {
  const code = err instanceof HttpError ? err.code : 500;
  if (code >= 500) log.warn({ err: errorMessage(err) }, 'subresource stream refused');
  const body = statusBody(code, errorMessage(err));
  (socket as Socket).end(
    `HTTP/1.1 ${code} ${code === 403 ? 'Forbidden' : 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
