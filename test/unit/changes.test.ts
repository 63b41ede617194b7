import { describe, expect, it } from 'vitest';
import { MeaningfulChanges } from '../../src/runtime/changes.ts';

const obj = (generation: number, extra: Record<string, unknown> = {}) => ({
  metadata: { name: 'a', namespace: 'n', generation, resourceVersion: String(Math.random()), ...extra },
});

describe('which watch events enqueue a reconcile', () => {
  it('lets the first sight of an object through', () => {
    expect(new MeaningfulChanges().changed('n/a', obj(1))).toBe(true);
  });

  it('ignores an update that changed only status (same generation), so status writes do not loop', () => {
    const c = new MeaningfulChanges();
    c.changed('n/a', obj(1));
    expect(c.changed('n/a', obj(1))).toBe(false);
  });

  it('lets a spec change through (new generation)', () => {
    const c = new MeaningfulChanges();
    c.changed('n/a', obj(1));
    expect(c.changed('n/a', obj(2))).toBe(true);
  });

  it('lets a deletion request and a change of finalizers through', () => {
    const c = new MeaningfulChanges();
    c.changed('n/a', obj(1));
    expect(c.changed('n/a', obj(1, { finalizers: ['x'] }))).toBe(true);
    expect(c.changed('n/a', obj(1, { finalizers: ['x'], deletionTimestamp: '2026-01-01T00:00:00Z' }))).toBe(true);
  });

  it('lets the removal of an object through and treats it as new if it comes back', () => {
    const c = new MeaningfulChanges();
    c.changed('n/a', obj(1));
    expect(c.changed('n/a', undefined)).toBe(true);
    expect(c.changed('n/a', obj(1))).toBe(true);
  });
});
