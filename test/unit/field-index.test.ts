import { describe, expect, it } from 'vitest';
import { FieldIndex } from '../../src/runtime/field-index.ts';
import { OwnWrites } from '../../src/runtime/own-writes.ts';
import type { KubeObject } from '../../src/api/object.ts';

describe('a field index', () => {
  const index = new FieldIndex<{ refs: string[] }>((o) => o.refs);

  it('answers which keys name a value, and follows updates and deletions', () => {
    index.update('ns/a', { refs: ['ns/s1', 'ns/s2'] });
    index.update('ns/b', { refs: ['ns/s2'] });
    expect(index.byValue('ns/s2').sort()).toEqual(['ns/a', 'ns/b']);
    index.update('ns/a', { refs: ['ns/s3'] });
    expect(index.byValue('ns/s1')).toEqual([]);
    expect(index.byValue('ns/s2')).toEqual(['ns/b']);
    index.update('ns/b', undefined);
    expect(index.byValue('ns/s2')).toEqual([]);
    expect(index.byValue('ns/s3')).toEqual(['ns/a']);
  });

  it('indexes an object it cannot read as nothing instead of throwing in an informer handler', () => {
    const odd = new FieldIndex<{ spec?: { env: string[] } }>((o) => o.spec!.env);
    expect(() => odd.update('ns/x', {})).not.toThrow();
    expect(odd.byValue('anything')).toEqual([]);
  });
});

describe('own writes', () => {
  const at = (rv: string, uid = 'u1', state = 'x'): KubeObject & { state: string } => ({
    metadata: { name: 'a', uid, resourceVersion: rv },
    state,
  });

  it('prefers what this process wrote while the cache has not caught up, then the cache', () => {
    const writes = new OwnWrites<KubeObject & { state: string }>();
    writes.remember('ns/a', at('12', 'u1', 'mine'));
    expect(writes.newest('ns/a', at('10', 'u1', 'cached'))?.state).toBe('mine');
    expect(writes.newest('ns/a', at('12', 'u1', 'cached'))?.state).toBe('cached');
    // Once caught up, the entry is gone: an older cache copy later is taken as it is.
    expect(writes.newest('ns/a', at('10', 'u1', 'cached'))?.state).toBe('cached');
  });

  it('never returns an object that was deleted or replaced by another of the same name', () => {
    const writes = new OwnWrites<KubeObject & { state: string }>();
    writes.remember('ns/a', at('12'));
    expect(writes.newest('ns/a', undefined)).toBeUndefined();
    writes.remember('ns/a', at('12'));
    expect(writes.newest('ns/a', at('5', 'u2', 'new'))?.state).toBe('new');
  });
});
