import http from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

export interface HttpRequestOptions {
  /** http(s)://host:port/path; ignored host when socketPath is set. */
  url: string;
  method?: string;
  socketPath?: string;
  headers?: Record<string, string>;
  body?: string;
  /** PEM material for HTTPS: trusted CA and optional client certificate. */
  ca?: string;
  cert?: string;
  key?: string;
  timeoutMs?: number;
}

/** One small HTTP(S) request for readiness probes; never reuses connections. */
export function httpRequest(opts: HttpRequestOptions): Promise<HttpResponse> {
  const url = new URL(opts.url);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: opts.method ?? 'GET',
        socketPath: opts.socketPath,
        headers: opts.headers,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        agent: false,
        timeout: opts.timeoutMs ?? 3000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout requesting ${opts.url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
