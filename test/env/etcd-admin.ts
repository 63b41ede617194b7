// Administration of the test etcd over its JSON gateway (no etcdctl needed).
import { httpRequest } from '../../src/local/http-request.ts';

async function call(endpoint: string, path: string, body: object): Promise<Record<string, unknown>> {
  const res = await httpRequest({ url: `${endpoint}${path}`, method: 'POST', body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`etcd ${path}: HTTP ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}

/** Compacts etcd's history up to its current revision; watches from older revisions get 410 Gone. */
export async function compactEtcd(endpoint: string): Promise<number> {
  const range = await call(endpoint, '/v3/kv/range', { key: Buffer.from('/').toString('base64'), limit: 1 });
  const revision = Number((range['header'] as { revision: string }).revision);
  await call(endpoint, '/v3/kv/compaction', { revision: String(revision), physical: true });
  return revision;
}
