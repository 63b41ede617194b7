// One cache over several namespaces: an informer per watched namespace (or one for all),
// behind the same read interface, so the operator can be scoped with least privilege.
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.ts';
import { splitKey } from '../api/object.ts';
import { Informer, type ChangeHandler, type InformerHooks } from './informer.ts';
import type { KubeClient } from './kube-client.ts';

export interface InformerGroupOptions {
  client: KubeClient;
  /** API path prefix of the resource, such as /apis/nativecontainer.io/v1alpha1 or /api/v1. */
  apiPrefix: string;
  plural: string;
  /** Watched namespaces; empty means all. */
  namespaces: readonly string[];
  log: Logger;
  idleTimeoutMs?: number;
  hooks?: InformerHooks;
}

export class InformerGroup<T extends KubeObject> {
  private readonly byNamespace = new Map<string, Informer<T>>();
  private readonly all: Informer<T> | undefined;

  constructor(o: InformerGroupOptions) {
    const make = (path: string): Informer<T> =>
      new Informer<T>({
        client: o.client,
        path,
        log: o.log,
        ...(o.idleTimeoutMs ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
        ...(o.hooks ? { hooks: o.hooks } : {}),
      });
    if (o.namespaces.length === 0) this.all = make(`${o.apiPrefix}/${o.plural}`);
    for (const ns of o.namespaces) this.byNamespace.set(ns, make(`${o.apiPrefix}/namespaces/${ns}/${o.plural}`));
  }

  private get informers(): Informer<T>[] {
    return this.all ? [this.all] : [...this.byNamespace.values()];
  }

  /** True when objects of this namespace are watched. */
  watches(namespace: string): boolean {
    return this.all !== undefined || this.byNamespace.has(namespace);
  }

  onChange(handler: ChangeHandler<T>): void {
    for (const i of this.informers) i.onChange(handler);
  }

  get(key: string): T | undefined {
    if (this.all) return this.all.get(key);
    return this.byNamespace.get(splitKey(key).namespace ?? '')?.get(key);
  }

  keys(): string[] {
    return this.informers.flatMap((i) => i.keys());
  }

  list(): T[] {
    return this.informers.flatMap((i) => i.list());
  }

  hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  start(): void {
    for (const i of this.informers) i.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.waitForSync()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
