// /metrics, /healthz and /readyz over plain HTTP, as controller-runtime's manager serves them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named readiness or liveness check; it throws or returns false when not OK. */
export type Check = () => Promise<boolean>;

export interface EndpointsOptions {
  host: string;
  healthPort: number;
  metricsPort: number;
  registry: Registry;
  liveness: Record<string, Check>;
  readiness: Record<string, Check>;
}

export interface Endpoints {
  healthPort: number;
  metricsPort: number;
  close(): Promise<void>;
}

export async function serveEndpoints(o: EndpointsOptions): Promise<Endpoints> {
  const health = http.createServer((req, res) => {
    const checks = req.url?.startsWith('/healthz')
      ? o.liveness
      : req.url?.startsWith('/readyz')
        ? o.readiness
        : undefined;
    if (!checks) return void res.writeHead(404).end('not found\n');
    void runChecks(checks).then(({ ok, report }) => res.writeHead(ok ? 200 : 503, TEXT).end(report));
  });
  const metrics = http.createServer((req, res) => {
    if (!req.url?.startsWith('/metrics')) return void res.writeHead(404).end('not found\n');
    o.registry.metrics().then(
      (body) => res.writeHead(200, { 'Content-Type': o.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500, TEXT).end(String(err)),
    );
  });
  const [healthPort, metricsPort] = await Promise.all([
    listen(health, o.host, o.healthPort),
    listen(metrics, o.host, o.metricsPort),
  ]);
  return {
    healthPort,
    metricsPort,
    async close(): Promise<void> {
      await Promise.all([health, metrics].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

/** One line a check, "[+]name ok" or "[-]name failed: why", like the Kubernetes components. */
async function runChecks(checks: Record<string, Check>): Promise<{ ok: boolean; report: string }> {
  const lines = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        return (await check()) ? `[+]${name} ok` : `[-]${name} failed`;
      } catch (err) {
        return `[-]${name} failed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }),
  );
  const ok = lines.every((l) => l.startsWith('[+]'));
  return { ok, report: `${lines.join('\n')}\n${ok ? 'ok' : 'not ok'}\n` };
}

async function listen(server: http.Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
