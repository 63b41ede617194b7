// The newest copy of each object this process wrote itself. An informer's copy lags behind our
// own writes (a status patch comes back through the watch a moment later); a reconcile that read
// the lagging copy would act on a stale memory, for instance carry out a restart request twice.
// The API server returns the object with every write, so we keep that until the informer has
// caught up with it.
//
// Guarantees: newest(key, cached) is the cached copy unless this process wrote a newer version
// of the same object (same UID, higher resourceVersion).
// Assumes: resourceVersions are decimal integers, as etcd's are; any other form is never
// compared and the cached copy wins.
import type { KubeObject } from '../api/object.ts';

export class OwnWrites<T extends KubeObject> {
  private readonly written = new Map<string, T>();

  remember(key: string, obj: T): void {
    this.written.set(key, obj);
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  newest(key: string, cached: T | undefined): T | undefined {
    const mine = this.written.get(key);
    if (!mine) return cached;
    if (!cached || cached.metadata.uid !== mine.metadata.uid || !newer(mine, cached)) {
      // Gone, replaced by another object of the same name, or caught up: the cache is right.
      this.written.delete(key);
      return cached;
    }
    return mine;
  }
}

function newer(a: KubeObject, b: KubeObject): boolean {
  const ra = a.metadata.resourceVersion;
  const rb = b.metadata.resourceVersion;
  if (!ra || !rb || !/^\d+$/.test(ra) || !/^\d+$/.test(rb)) return false;
  return BigInt(ra) > BigInt(rb);
}
