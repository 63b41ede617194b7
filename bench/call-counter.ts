// A counting proxy between the operator and dockerd: a unix socket of the benchmark's own that
// forwards every HTTP request to the daemon's socket and counts it by method and path, so that
// "Docker API calls per container" is measured from outside the operator. Streams (the events
// stream, pull progress) flow through; each counts once, when its request arrives.
import http from 'node:http';
import { rmSync } from 'node:fs';

export interface CallCounter {
  /** DOCKER_HOST for the operator: unix:///path. */
  host: string;
  /** Requests since the last reset, by "METHOD /path" with IDs and names replaced. */
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
  close(): Promise<void>;
}

/** /containers/<64 hex or name>/start -> /containers/:id/start, so that calls group by kind. */
export function callKey(method: string, url: string): string {
  const path = url.split('?')[0]!.replace(/^\/v[\d.]+\//, '/');
  const normalized = path.replace(
    /^\/(containers|images|volumes|exec|networks)\/(?!json$|create$|prune$)[^/]+/,
    '/$1/:id',
  );
  return `${method} ${normalized}`;
}

export async function startCallCounter(socketPath: string, upstreamSocket: string): Promise<CallCounter> {
  let counts: Record<string, number> = {};
  rmSync(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    const key = callKey(req.method ?? 'GET', req.url ?? '/');
    counts[key] = (counts[key] ?? 0) + 1;
    const upstream = http.request(
      { socketPath: upstreamSocket, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // Node holds headers back until the first body byte; the events stream has none until
        // something happens, and the operator waits for the stream's answer before it acts.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
    res.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    host: `unix://${socketPath}`,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((n, v) => n + v, 0),
    reset: () => {
      counts = {};
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
