// The pure parts of the subresource API and its plugin: Docker's frame format, the log query,
// stats as docker stats shows them, request-header authentication, the stream protocol's exit
// codes, and the plugin's command line and error lines.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { execStatus, exitCodeOf, frame, verbOf } from '../../src/api/subresources.ts';
import { authenticate, requestHeaderConfig } from '../../src/apiserver/authentication.ts';
import { logOptions } from '../../src/apiserver/log-options.ts';
import { API_RESOURCE_LIST, discovery } from '../../src/apiserver/responses.ts';
import { summarizeStats } from '../../src/apiserver/stats.ts';
import { latestResize } from '../../src/backend/docker-access.ts';
import { FrameParser } from '../../src/backend/docker-frames.ts';
import { commitTarget, parseArgs, parseDuration } from '../../src/cli/args.ts';
import { errorLine } from '../../src/cli/client.ts';

function dockerFrame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('Docker frames', () => {
  it('splits stdout and stderr payloads, keeping a frame cut across chunks', () => {
    const all = Buffer.concat([dockerFrame(1, 'out 1\n'), dockerFrame(2, 'err 1\n'), dockerFrame(1, 'out 2\n')]);
    const parser = new FrameParser();
    const got = [
      ...parser.feed(all.subarray(0, 11)),
      ...parser.feed(all.subarray(11, 20)),
      ...parser.feed(all.subarray(20)),
    ];
    expect(got.map(([type, data]) => `${type}:${data.toString()}`)).toEqual([
      'stdout:out 1\n',
      'stderr:err 1\n',
      'stdout:out 2\n',
    ]);
  });

  it('skips empty frames', () => {
    expect(new FrameParser().feed(dockerFrame(1, ''))).toEqual([]);
  });
});

describe('the log query', () => {
  const q = (s: string) => new URLSearchParams(s);

  it('takes follow, tailLines, timestamps and limitBytes', () => {
    expect(logOptions(q('follow=true&tailLines=5&timestamps=true&limitBytes=100'), 0)).toEqual({
      follow: true,
      timestamps: true,
      tail: 5,
      limitBytes: 100,
    });
  });

  it('turns sinceSeconds and sinceTime into seconds since the epoch', () => {
    expect(logOptions(q('sinceSeconds=60'), 1_000_000).since).toBe(940);
    expect(logOptions(q('sinceTime=2026-01-01T00:00:00Z'), 0).since).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000);
  });

  it.each([
    ['tailLines=-1', 'tailLines must be a non-negative integer'],
    ['follow=maybe', 'follow must be true or false'],
    ['sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z', 'at most one of sinceSeconds and sinceTime'],
    ['sinceTime=yesterday', 'sinceTime must be an RFC 3339 time'],
    ['limitBytes=0', 'limitBytes must be positive'],
  ])('refuses %s', (query, message) => {
    expect(() => logOptions(q(query), 0)).toThrow(message);
  });
});

describe('stats', () => {
  it('sums up a sample as docker stats shows it', () => {
    const sample = summarizeStats({
      read: '2026-01-01T00:00:00Z',
      pids_stats: { current: 3 },
      cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
      memory_stats: { usage: 1000, limit: 4000, stats: { inactive_file: 200 } },
      networks: { eth0: { rx_bytes: 5, tx_bytes: 7 }, eth1: { rx_bytes: 1, tx_bytes: 1 } },
      blkio_stats: {
        io_service_bytes_recursive: [
          { op: 'read', value: 10 },
          { op: 'write', value: 20 },
        ],
      },
    });
    expect(sample).toEqual({
      time: '2026-01-01T00:00:00Z',
      cpuPercent: 40,
      memoryBytes: 800,
      memoryLimitBytes: 4000,
      memoryPercent: 20,
      networkRxBytes: 6,
      networkTxBytes: 8,
      blockReadBytes: 10,
      blockWriteBytes: 20,
      pids: 3,
    });
  });
});

describe('request-header authentication', () => {
  const config = requestHeaderConfig({
    data: {
      'requestheader-client-ca-file': 'PEM',
      'requestheader-allowed-names': '["front-proxy-client"]',
      'requestheader-username-headers': '["X-Remote-User"]',
      'requestheader-group-headers': '["X-Remote-Group"]',
      'requestheader-extra-headers-prefix': '["X-Remote-Extra-"]',
    },
  });
  const request = (authorized: boolean, cn: string, headers: Record<string, string[]>) =>
    ({
      socket: { authorized, getPeerCertificate: () => ({ subject: { CN: cn } }) },
      headersDistinct: headers,
    }) as unknown as IncomingMessage;

  it('takes the user, groups and extra from the headers of the front proxy', () => {
    const who = authenticate(
      request(true, 'front-proxy-client', {
        'x-remote-user': ['alice'],
        'x-remote-group': ['dev', 'system:authenticated'],
        'x-remote-extra-scopes%2fone': ['a'],
      }),
      config,
    );
    expect(who).toEqual({ username: 'alice', groups: ['dev', 'system:authenticated'], extra: { 'scopes/one': ['a'] } });
  });

  it('refuses a certificate the request-header CA did not sign', () => {
    expect(authenticate(request(false, 'front-proxy-client', { 'x-remote-user': ['alice'] }), config)).toHaveProperty(
      'refused',
    );
  });

  it('refuses a certificate whose name is not allowed', () => {
    expect(authenticate(request(true, 'someone', { 'x-remote-user': ['alice'] }), config)).toEqual({
      refused: 'client certificate someone is not one of the allowed request-header names',
    });
  });

  it('refuses a request without a user', () => {
    expect(authenticate(request(true, 'front-proxy-client', {}), config)).toEqual({
      refused: 'no user in the request headers',
    });
  });

  it('says when the kube-apiserver runs without the aggregation layer', () => {
    expect(() => requestHeaderConfig({ data: {} })).toThrow('--requestheader-client-ca-file');
  });
});

describe('the stream protocol', () => {
  it('reports an exit code in the status channel as kubectl reads it', () => {
    expect(exitCodeOf(execStatus(3, 'sh'))).toBe(3);
    expect(exitCodeOf(execStatus(0, 'sh'))).toBe(0);
    expect(execStatus(3, 'sh')).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode' });
  });

  it('puts the channel in the first byte', () => {
    expect([...frame(1, 'ab')]).toEqual([1, 97, 98]);
  });

  it('maps methods to the RBAC verbs the API server checks', () => {
    expect(['GET', 'POST', 'PUT'].map(verbOf)).toEqual(['get', 'create', 'update']);
  });

  it('lists every subresource in discovery with its verbs', () => {
    expect(discovery('/apis/subresources.nativecontainer.io/v1alpha1')).toBe(API_RESOURCE_LIST);
    const archive = API_RESOURCE_LIST.resources.find((r) => r.name === 'nativecontainers/archive');
    expect(archive?.verbs).toEqual(['get', 'update']);
  });
});

describe('terminal resizes', () => {
  /** A fake engine resize: each call waits until the test settles it. */
  function fakeEngine() {
    const calls: { size: string; settle: (fail?: boolean) => void }[] = [];
    let inFlight = 0;
    let most = 0;
    const resize = (w: number, h: number): Promise<void> => {
      inFlight++;
      most = Math.max(most, inFlight);
      return new Promise((resolve, reject) => {
        calls.push({
          size: `${w}x${h}`,
          settle: (fail) => {
            inFlight--;
            if (fail) reject(new Error('no such exec'));
            else resolve();
          },
        });
      });
    };
    return { calls, resize, most: () => most };
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));

  it('sends one at a time, in order, and only the newest of the sizes that waited', async () => {
    const engine = fakeEngine();
    const resize = latestResize(engine.resize);
    const done = [resize(80, 24), resize(100, 30), resize(120, 40), resize(132, 50)];
    await tick();
    expect(engine.calls.map((c) => c.size)).toEqual(['80x24']);
    engine.calls[0]?.settle();
    await tick();
    expect(engine.calls.map((c) => c.size)).toEqual(['80x24', '132x50']);
    void resize(90, 20);
    engine.calls[1]?.settle();
    await tick();
    expect(engine.calls.map((c) => c.size)).toEqual(['80x24', '132x50', '90x20']);
    engine.calls[2]?.settle();
    await Promise.all(done);
    expect(engine.most()).toBe(1);
  });

  it('goes on after a refused resize, and never rejects', async () => {
    const engine = fakeEngine();
    const resize = latestResize(engine.resize);
    const first = resize(80, 24);
    const second = resize(100, 30);
    engine.calls[0]?.settle(true);
    await tick();
    engine.calls[1]?.settle(true);
    await expect(Promise.all([first, second])).resolves.toBeDefined();
    const third = resize(120, 40);
    engine.calls[2]?.settle();
    await third;
    expect(engine.calls.map((c) => c.size)).toEqual(['80x24', '100x30', '120x40']);
    expect(engine.most()).toBe(1);
  });
});

describe('the plugin command line', () => {
  it('reads kubectl flags anywhere and the command after --', () => {
    const p = parseArgs(['-n', 'ns', 'exec', '-it', 'web', '--context=c', '--', 'sh', '-c', 'ls -l']);
    expect(p).toMatchObject({
      verb: 'exec',
      args: ['web'],
      namespace: 'ns',
      context: 'c',
      rest: ['sh', '-c', 'ls -l'],
    });
    expect(p.flags.get('stdin')).toBe(true);
    expect(p.flags.get('tty')).toBe(true);
  });

  it('takes -f as --follow for logs and as --filename for plan', () => {
    expect(parseArgs(['logs', '-f', 'web']).flags.get('follow')).toBe(true);
    expect(parseArgs(['plan', '-f', 'web.yaml']).flags.get('filename')).toBe('web.yaml');
  });

  it('reads durations as kubectl --since does', () => {
    expect(parseDuration('1h30m')).toBe(5400);
    expect(() => parseDuration('5 minutes')).toThrow('invalid duration');
  });

  it.each([
    ['app', { repository: 'app', tag: 'latest' }],
    ['app:1', { repository: 'app', tag: '1' }],
    ['registry.example:5000/team/app', { repository: 'registry.example:5000/team/app', tag: 'latest' }],
    ['localhost:5000/app:v2', { repository: 'localhost:5000/app', tag: 'v2' }],
  ])('reads commit %s as REPOSITORY[:TAG]', (ref, target) => {
    expect(commitTarget(ref)).toEqual(target);
  });

  it.each(['app@sha256:' + 'a'.repeat(64), 'localhost:5000/app:v2@sha256:' + 'b'.repeat(64)])(
    'refuses a commit named by digest: %s',
    (ref) => {
      expect(() => commitTarget(ref)).toThrow(`${ref} has a digest: commit names the new image by REPOSITORY[:TAG]`);
    },
  );

  it('names the refused verb and subresource in one line for a 403', () => {
    const body = JSON.stringify({
      kind: 'Status',
      message: 'User "alice" cannot get resource "nativecontainers/exec"',
    });
    expect(
      errorLine(
        403,
        body,
        'GET',
        '/apis/subresources.nativecontainer.io/v1alpha1/namespaces/n/nativecontainers/web/exec',
      ),
    ).toBe(
      'forbidden: you may not get nativecontainers/exec (User "alice" cannot get resource "nativecontainers/exec")',
    );
  });

  it.each([
    ['POST', 'commit', 'create'],
    ['PUT', 'archive', 'update'],
  ])('names the RBAC verb of a refused %s', (method, sub, verb) => {
    const path = `/apis/subresources.nativecontainer.io/v1alpha1/namespaces/n/nativecontainers/web/${sub}`;
    expect(errorLine(403, '{"message":"no"}', method, path)).toBe(
      `forbidden: you may not ${verb} nativecontainers/${sub} (no)`,
    );
  });
});
