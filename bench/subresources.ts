// The subresource API against the Docker API it stands on, in the same run on the same daemon:
// reading a container's log (64 MiB) through the kube-apiserver's aggregation layer and the
// operator, and the round trip of one byte through an exec's stdin and stdout (`cat`), against
// the same on the Docker API directly, and a whole exec (`echo x`: start, output, exit code) each
// way. Goals (issue 10): throughput at least half of direct (time at most 2x), round trip at most
// 2x direct. The kube-apiserver reaches the operator at its own address, as it reaches a pod in a
// cluster; the tests' forwarder (an extra hop of the harness only) is left out.
import type { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHANNEL, frame, STREAM_PROTOCOLS, subresourcePath } from '../src/api/subresources.ts';
import { connect, openStream } from '../src/cli/client.ts';
import { SERVICE_NAME, setUpAggregation } from '../src/local/aggregation.ts';
import { certPaths } from '../src/local/certs.ts';
import { cacheDir } from '../src/local/paths.ts';
import { kubectl } from '../src/local/kubectl.ts';
import { startOperatorProcess } from '../src/local/operator-process.ts';
import { freePort, waitFor } from '../src/local/processes.ts';
import { TEST_IMAGE } from '../src/local/test-image.ts';
import type { Row } from './report.ts';
import { NS, type Bench } from './setup.ts';

const LOG_BYTES = 64 * 1024 * 1024;
const ROUND_TRIPS = 300;
const EXECS = 50;
const NAME = 'bench-logger';

export async function subresources(b: Bench): Promise<Row[]> {
  const agg = await setUpAggregation(b.cp, NS, { forward: false });
  const port = await freePort();
  const operator = startOperatorProcess({
    name: 'bench-subresources',
    from: 'dist',
    kubeconfig: b.cp.kubeconfigPath,
    dockerHost: b.dockerEnv.host,
    env: {
      LOG_LEVEL: 'warn',
      NCO_TLS_CERT_FILE: agg.certFile,
      NCO_TLS_KEY_FILE: agg.keyFile,
      NCO_SUBRESOURCE_BIND_ADDRESS: agg.bindAddress,
      NCO_SUBRESOURCE_PORT: String(port),
    },
  });
  try {
    await agg.register([port]);
    const id = await logger(b);
    const conn = connect({ kubeconfig: b.cp.kubeconfigPath, namespace: NS });
    const direct = await best(3, () => timed(() => drain(dockerLogs(b, id))));
    const api = await best(3, () => timed(() => drain(apiLogs(conn))));
    const directRtt = await dockerRoundTrips(b, id);
    const apiRtt = await apiRoundTrips(conn);
    const operatorRtt = await operatorRoundTrips(`wss://${agg.bindAddress}:${port}`);
    const directExecs = await execs(() => dockerExec(b, id));
    const apiExecs = await execs(() => apiExec(conn));
    const mb = LOG_BYTES / 1024 / 1024;
    return [
      {
        key: 'subresources.log',
        scenario: `read a ${mb} MiB log (kubectl nc logs vs Docker API)`,
        raw: direct.ms / 1000,
        operator: api.ms / 1000,
        unit: 's',
        goal: { ratio: 2 },
        detail: {
          directMBps: round(mb / (direct.ms / 1000)),
          apiMBps: round(mb / (api.ms / 1000)),
          apiBytes: api.value,
        },
      },
      {
        key: 'subresources.exec',
        scenario: 'exec round trip of 1 byte through cat (median)',
        raw: median(directRtt),
        operator: median(apiRtt),
        unit: 'ms',
        goal: { ratio: 2 },
        detail: {
          directP90: percentile(directRtt, 0.9),
          apiP90: percentile(apiRtt, 0.9),
          // Straight to the operator as the kube-apiserver calls it: what the operator alone adds.
          operatorOnlyMedian: median(operatorRtt),
          operatorOnlyP90: percentile(operatorRtt, 0.9),
        },
      },
      {
        key: 'subresources.exec-command',
        scenario: 'exec of echo x, from start to exit code (median)',
        raw: median(directExecs),
        operator: median(apiExecs),
        unit: 'ms',
        goal: { ratio: 2 },
        detail: { directP90: percentile(directExecs, 0.9), apiP90: percentile(apiExecs, 0.9) },
      },
    ];
  } finally {
    await kubectl(b.cp, ['delete', 'nc', NAME, '-n', NS, '--timeout=60s'], { allowFail: true });
    await agg.remove();
    await operator.stop();
  }
}

/** A NativeContainer that writes LOG_BYTES of 64-byte lines, then waits. */
async function logger(b: Bench): Promise<string> {
  const line = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde';
  const script = `busybox yes ${line} | busybox head -c ${LOG_BYTES}; exec sleep 3600`;
  const manifest = {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name: NAME, namespace: NS },
    spec: { image: TEST_IMAGE, command: ['/bin/sh', '-c', script], logging: { driver: 'json-file', maxSize: '512m' } },
  };
  await kubectl(b.cp, ['apply', '-f', '-'], { input: JSON.stringify(manifest) });
  let id = '';
  await waitFor(
    'the logger wrote its log',
    async () => {
      const [c] = await b.docker.listContainers({ filters: { label: [`nativecontainer.io/owner-name=${NAME}`] } });
      if (!c) return false;
      id = c.Id;
      // Written once the pipeline has gone and only the sleep is left.
      const top = (await b.docker.getContainer(id).top()) as { Processes?: string[][] };
      const commands = (top.Processes ?? []).map((p) => p.at(-1) ?? '');
      return commands.some((cmd) => cmd.startsWith('sleep')) && !commands.some((cmd) => /\byes\b|\bhead\b/.test(cmd));
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  ).catch(async (err: unknown) => {
    const top = id ? JSON.stringify(await b.docker.getContainer(id).top()) : 'no container';
    const info = id ? JSON.stringify((await b.docker.getContainer(id).inspect()).HostConfig.LogConfig) : '';
    throw new Error(`${String(err)}\nprocesses: ${top} ${info}`);
  });
  return id;
}

function dockerLogs(b: Bench, id: string): Promise<Readable> {
  return new Promise((resolve, reject) => {
    b.docker.modem.dial(
      {
        path: `/containers/${id}/logs?`,
        method: 'GET',
        options: { stdout: true, stderr: true },
        isStream: true,
        statusCodes: { 200: true },
      },
      (err: unknown, stream: unknown) =>
        err ? reject(err instanceof Error ? err : new Error('docker logs failed')) : resolve(stream as Readable),
    );
  });
}

async function apiLogs(conn: ReturnType<typeof connect>): Promise<Readable> {
  const url = new URL(subresourcePath(NS, NAME, 'log'), conn.auth.server);
  const options: https.RequestOptions = { method: 'GET' };
  await conn.auth.apply(options);
  return new Promise((resolve, reject) => https.request(url, options, resolve).on('error', reject).end());
}

async function drain(open: Promise<Readable>): Promise<number> {
  let bytes = 0;
  for await (const chunk of await open) bytes += (chunk as Buffer).length;
  return bytes;
}

async function dockerRoundTrips(b: Bench, id: string): Promise<number[]> {
  const exec = await b.docker.getContainer(id).exec({ Cmd: ['cat'], AttachStdin: true, AttachStdout: true });
  const stream = await exec.start({ hijack: true, stdin: true });
  try {
    return await roundTrips(
      (data) => stream.write(data),
      (listener) => stream.on('data', listener),
    );
  } finally {
    stream.destroy();
  }
}

async function apiRoundTrips(conn: ReturnType<typeof connect>): Promise<number[]> {
  const ws = await openStream(conn, subresourcePath(NS, NAME, 'exec'), {
    command: ['cat'],
    stdin: true,
    stdout: true,
    stderr: false,
  });
  return wsRoundTrips(ws);
}

/**
 * The round trip on the operator's own WebSocket, without the kube-apiserver: authenticated as the
 * aggregation layer is (its front-proxy client certificate and the X-Remote headers).
 */
async function operatorRoundTrips(base: string): Promise<number[]> {
  const pki = certPaths(join(cacheDir(), 'pki'));
  const url = new URL(subresourcePath(NS, NAME, 'exec'), base);
  for (const [k, v] of [
    ['command', 'cat'],
    ['stdin', 'true'],
    ['stdout', 'true'],
    ['stderr', 'false'],
  ]) {
    url.searchParams.append(k!, v!);
  }
  const tls: https.RequestOptions = {
    cert: readFileSync(pki.frontProxyClientCert),
    key: readFileSync(pki.frontProxyClientKey),
    ca: readFileSync(pki.caCert),
    // The serving certificate names the Service, not the address.
    servername: `${SERVICE_NAME}.${NS}.svc`,
    headers: { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' },
  };
  const ws = new WebSocket(url, STREAM_PROTOCOLS, { ...(tls as WebSocket.ClientOptions), perMessageDeflate: false });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return wsRoundTrips(ws);
}

/** Round trips through the stdin and stdout channels of an exec's WebSocket, then closes it. */
async function wsRoundTrips(ws: WebSocket): Promise<number[]> {
  try {
    return await roundTrips(
      (data) => ws.send(frame(CHANNEL.stdin, data)),
      (listener) => ws.on('message', (m: Buffer) => m[0] === CHANNEL.stdout && listener(m)),
    );
  } finally {
    ws.close();
  }
}

/** As `docker exec`: create, start attached, read to the end, inspect for the exit code. */
async function dockerExec(b: Bench, id: string): Promise<void> {
  const exec = await b.docker.getContainer(id).exec({ Cmd: ['echo', 'x'], AttachStdout: true });
  const bytes = await drain(exec.start({ hijack: true, stdin: false }));
  const { ExitCode } = await exec.inspect();
  if (bytes === 0 || ExitCode !== 0) throw new Error(`docker exec echo: ${bytes} bytes, exit code ${ExitCode}`);
}

/** As `kubectl nc exec`: one WebSocket, the output, and the exit code in the status channel. */
async function apiExec(conn: ReturnType<typeof connect>): Promise<void> {
  const ws = await openStream(conn, subresourcePath(NS, NAME, 'exec'), {
    command: ['echo', 'x'],
    stdout: true,
    stderr: false,
  });
  let out = 0;
  let status = '';
  ws.on('message', (m: Buffer) => {
    if (m[0] === CHANNEL.stdout) out += m.length - 1;
    else if (m[0] === CHANNEL.status) status = m.subarray(1).toString('utf8');
  });
  await new Promise((resolve) => ws.once('close', resolve));
  if (out === 0 || !status.includes('"Success"')) throw new Error(`exec echo: ${out} bytes, status ${status}`);
}

/** Times op EXECS times, after 5 to warm up; in ms. */
async function execs(op: () => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < EXECS + 5; i++) {
    const t0 = performance.now();
    await op();
    if (i >= 5) times.push(performance.now() - t0);
  }
  return times;
}

/** Sends one byte, waits for the echo, ROUND_TRIPS times (after 20 to warm up); times in ms. */
async function roundTrips(
  send: (data: Buffer) => void,
  onData: (listener: (chunk: Buffer) => void) => void,
): Promise<number[]> {
  let waiting: (() => void) | undefined;
  onData(() => waiting?.());
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS + 20; i++) {
    const t0 = performance.now();
    await new Promise<void>((resolve) => {
      waiting = resolve;
      send(Buffer.from('x'));
    });
    if (i >= 20) times.push(performance.now() - t0);
  }
  return times;
}

async function timed<T>(op: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await op();
  return { ms: performance.now() - t0, value };
}

async function best<T>(n: number, op: () => Promise<{ ms: number; value: T }>): Promise<{ ms: number; value: T }> {
  let result: { ms: number; value: T } | undefined;
  for (let i = 0; i < n; i++) {
    const r = await op();
    if (!result || r.ms < result.ms) result = r;
  }
  return result!;
}

function median(xs: number[]): number {
  return percentile(xs, 0.5);
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
