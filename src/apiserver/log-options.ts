// The query of the log subresource, as pods/log has it (follow, tailLines, sinceSeconds,
// sinceTime, timestamps, limitBytes), turned into what the engine is asked (pure).
import { Transform } from 'node:stream';
import type { LogOptions } from '../backend/container-access.ts';

function nonNegativeInt(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

function bool(query: URLSearchParams, name: string): boolean {
  const raw = query.get(name);
  if (raw === null || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

export function logOptions(query: URLSearchParams, nowMs: number): LogOptions & { limitBytes?: number } {
  const tail = nonNegativeInt(query, 'tailLines');
  const sinceSeconds = nonNegativeInt(query, 'sinceSeconds');
  const sinceTime = query.get('sinceTime');
  if (sinceSeconds !== undefined && sinceTime) throw new Error('at most one of sinceSeconds and sinceTime may be set');
  let since: number | undefined;
  if (sinceSeconds !== undefined) since = nowMs / 1000 - sinceSeconds;
  if (sinceTime) {
    const ms = Date.parse(sinceTime);
    if (Number.isNaN(ms)) throw new Error(`sinceTime must be an RFC 3339 time, got ${JSON.stringify(sinceTime)}`);
    since = ms / 1000;
  }
  const limit = nonNegativeInt(query, 'limitBytes');
  if (limit === 0) throw new Error('limitBytes must be positive');
  return {
    follow: bool(query, 'follow'),
    timestamps: bool(query, 'timestamps'),
    ...(tail !== undefined ? { tail } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(limit !== undefined ? { limitBytes: limit } : {}),
  };
}

/** Passes the first `limit` bytes on, then ends and calls `onLimit` (to close the source). */
export function limitBytes(limit: number, onLimit: () => void): Transform {
  let left = limit;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (left <= 0) return done();
      const part = chunk.length <= left ? chunk : chunk.subarray(0, left);
      left -= part.length;
      this.push(part);
      if (left <= 0) {
        this.push(null);
        onLimit();
      }
      done();
    },
  });
}
