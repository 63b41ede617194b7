// A field index over an informer's cache, as controller-runtime's IndexField: "which objects name
// this value" (which NativeContainers refer to Secret ns/x) is answered from a map kept current on
// every change, instead of a scan of every object.
//
// Guarantees: byValue(v) returns exactly the keys whose objects, as last seen, yielded v.
export class FieldIndex<T> {
  private readonly extract: (obj: T) => string[];
  private readonly valuesByKey = new Map<string, string[]>();
  private readonly keysByValue = new Map<string, Set<string>>();

  constructor(extract: (obj: T) => string[]) {
    this.extract = extract;
  }

  /** Keeps the index in step with one change of the cache (obj undefined: deleted). */
  update(key: string, obj: T | undefined): void {
    for (const value of this.valuesByKey.get(key) ?? []) {
      const keys = this.keysByValue.get(value);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByValue.delete(value);
    }
    const values = obj === undefined ? [] : [...new Set(this.safeExtract(obj))];
    if (values.length === 0) this.valuesByKey.delete(key);
    else this.valuesByKey.set(key, values);
    for (const value of values) {
      let keys = this.keysByValue.get(value);
      if (!keys) this.keysByValue.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  /** An object the API server accepted can still be odd (an older schema): it indexes as nothing. */
  private safeExtract(obj: T): string[] {
    try {
      return this.extract(obj);
    } catch {
      return [];
    }
  }

  byValue(value: string): string[] {
    return [...(this.keysByValue.get(value) ?? [])];
  }
}
