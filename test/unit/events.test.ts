// The event recorder: in the background, deduplicated, coalesced, aggregated and rate limited,
// with a fake API server.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.ts';
import { AGGREGATE_AFTER, COMBINED, EventRecorder, MAX_QUEUED, SPAM_BURST } from '../../src/runtime/events.ts';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import { silentLog, until } from './fixtures.ts';

interface Call {
  method: 'create' | 'patch';
  path: string;
  body: Record<string, unknown>;
}

function fakeApi(options: { hang?: boolean; fail?: number } = {}) {
  const calls: Call[] = [];
  let failures = options.fail ?? 0;
  let release: (() => void) | undefined;
  const gate = options.hang ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
  const answer = async (call: Call): Promise<unknown> => {
    await gate;
    calls.push(call);
    if (failures > 0) {
      failures -= 1;
      throw new Error('API server unavailable');
    }
    return call.body;
  };
  const client = {
    create: (path: string, body: unknown) => answer({ method: 'create', path, body: body as Record<string, unknown> }),
    patch: (path: string, _type: string, body: unknown) =>
      answer({ method: 'patch', path, body: body as Record<string, unknown> }),
  } as unknown as Pick<KubeClient, 'create' | 'patch'>;
  return { client, calls, release: () => release?.() };
}

const nc = (name = 'web'): KubeObject => ({
  apiVersion: 'nativecontainer.io/v1alpha1',
  kind: 'NativeContainer',
  metadata: { name, namespace: 'ns', uid: `uid-${name}` },
});

function recorder(api: ReturnType<typeof fakeApi>, now = () => new Date('2026-11-23T00:00:00Z')) {
  return new EventRecorder({
    client: api.client,
    component: 'test',
    log: silentLog(),
    now,
    delay: () => Promise.resolve(),
  });
}

describe('the event recorder', () => {
  it('returns at once while the API server hangs, and writes later', async () => {
    const api = fakeApi({ hang: true });
    const r = recorder(api);
    r.record(nc(), 'Normal', 'Created', 'Create nc_ns_web');
    expect(api.calls).toEqual([]);
    api.release();
    await r.flush(1000);
    expect(api.calls.map((c) => c.method)).toEqual(['create']);
    expect(api.calls[0]!.body).toMatchObject({
      reason: 'Created',
      message: 'Create nc_ns_web',
      count: 1,
      type: 'Normal',
    });
  });

  it('waits at most its timeout in flush when the API server does not answer', async () => {
    const api = fakeApi({ hang: true });
    const r = recorder(api);
    r.record(nc(), 'Normal', 'Created', 'x');
    const started = Date.now();
    await r.flush(50);
    expect(Date.now() - started).toBeLessThan(5000);
    api.release();
  });

  it('coalesces repeats recorded while a write is under way into one more write with their count', async () => {
    const api = fakeApi({ hang: true });
    const r = recorder(api);
    for (let i = 0; i < 5; i++) r.record(nc(), 'Warning', 'DockerUnreachable', 'Docker is not answering');
    api.release();
    await r.flush(1000);
    expect(api.calls.map((c) => [c.method, c.body.count])).toEqual([
      ['create', 1],
      ['patch', 5],
    ]);
  });

  it('counts a repeat on the Event already written instead of writing another', async () => {
    const api = fakeApi();
    const r = recorder(api);
    r.record(nc(), 'Warning', 'InvalidSpec', 'spec.image: required');
    await r.flush(1000);
    r.record(nc(), 'Warning', 'InvalidSpec', 'spec.image: required');
    await r.flush(1000);
    expect(api.calls.map((c) => c.method)).toEqual(['create', 'patch']);
    expect(api.calls[1]!.body).toMatchObject({ count: 2 });
    expect(api.calls[1]!.path).toBe(
      `/api/v1/namespaces/ns/events/${String((api.calls[0]!.body.metadata as { name: string }).name)}`,
    );
  });

  it('combines similar Events with more distinct messages than the threshold into one', async () => {
    const api = fakeApi();
    const r = recorder(api);
    for (let i = 0; i < AGGREGATE_AFTER + 5; i++) r.record(nc(), 'Warning', 'DockerError', `failure ${i}`);
    await r.flush(1000);
    const created = api.calls.filter((c) => c.method === 'create');
    expect(created).toHaveLength(AGGREGATE_AFTER);
    const combined = api.calls.filter((c) => String(c.body.message).startsWith(COMBINED));
    expect(combined.at(-1)!.body).toMatchObject({ message: `${COMBINED}failure ${AGGREGATE_AFTER + 4}` });
    expect(combined.reduce((n, c) => Math.max(n, Number(c.body.count)), 0)).toBe(6);
  });

  it('drops what exceeds the burst of one object, but not of another', async () => {
    const api = fakeApi();
    const r = recorder(api);
    for (let i = 0; i < SPAM_BURST + 10; i++) r.record(nc('busy'), 'Normal', 'Started', `start ${i % 5}`);
    r.record(nc('quiet'), 'Normal', 'Started', 'start');
    await r.flush(1000);
    expect(r.stats.dropped).toBe(10);
    expect(api.calls.some((c) => (c.body.involvedObject as { name: string } | undefined)?.name === 'quiet')).toBe(true);
  });

  it('keeps at most a bounded queue, dropping the oldest', async () => {
    const api = fakeApi({ hang: true });
    const r = recorder(api);
    for (let i = 0; i < MAX_QUEUED + 10; i++) r.record(nc(`o${i}`), 'Normal', 'Created', 'x');
    expect(r.stats.dropped).toBeGreaterThanOrEqual(9);
    api.release();
    await r.flush(5000);
    expect(api.calls.length).toBeLessThanOrEqual(MAX_QUEUED + 1);
  });

  it('retries a failed write, and never throws', async () => {
    const api = fakeApi({ fail: 2 });
    const r = recorder(api);
    expect(() => r.record(nc(), 'Normal', 'Created', 'x')).not.toThrow();
    await until('written', () => r.stats.written === 1);
    expect(api.calls).toHaveLength(3);
  });
});
