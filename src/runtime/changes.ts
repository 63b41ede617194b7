// Which watch events are worth a reconcile. A resource's own status writes bump its
// resourceVersion and come back as events; reconciling on them would repeat a failed pull
// for ever (seen: 50 pulls in 20 s). Like controller-runtime's GenerationChangedPredicate,
// only a new generation (a spec change), a deletion, a change of finalizers, an object seen
// for the first time or one that is gone pass. The controller's periodic resync still
// looks at everything.
import type { KubeObject } from '../api/object.ts';

export class MeaningfulChanges {
  private readonly seen = new Map<string, string>();

  /** True when the event for `key` (obj undefined: deleted) should enqueue the key. */
  changed(key: string, obj: KubeObject | undefined): boolean {
    if (!obj) {
      this.seen.delete(key);
      return true;
    }
    const { generation, deletionTimestamp, finalizers } = obj.metadata;
    const fingerprint = JSON.stringify([generation ?? null, deletionTimestamp ?? null, finalizers ?? []]);
    const before = this.seen.get(key);
    this.seen.set(key, fingerprint);
    return before !== fingerprint;
  }
}

/** An informer change handler that enqueues only meaningful changes. */
export function enqueueMeaningful(add: (key: string) => void): (key: string, obj: KubeObject | undefined) => void {
  const changes = new MeaningfulChanges();
  return (key, obj) => {
    if (changes.changed(key, obj)) add(key);
  };
}
