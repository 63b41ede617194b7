// The reflector of one engine: list once, then follow the event stream, into a cache of the
// containers that carry the selector's labels (and the names of local images), so that a
// reconcile with nothing to do makes no call to the engine.
//
// Guarantees:
// - After `synced`, the cache holds an inspect snapshot of every selected container, refreshed
//   after each event that can change it; a change of a snapshot is announced to listeners.
// - An event is applied only if the snapshot does not already reflect it, so the container the
//   executor creates and starts costs one inspect, not one per event (see `reflects`).
// - Containers an executor is operating on (`hold`) are inspected once when it lets go
//   (`release`), not in the middle of its plan; `settled` says when that inspect is done.
// - The stream is opened before the list, so no event between the two is lost; on every
//   (re)connection the whole cache is listed and inspected again.
// - An engine that is going away is recognised, not acted upon: a die event is followed only
//   after a ping on a new connection answers (an engine shutting down closes its listener first,
//   then stops its containers); otherwise the engine is marked unavailable, the stream is dropped
//   and the reflector waits for it to come back. Containers that were running when it went and
//   are stopped when it returns are flagged `stoppedByEngine`: they did not exit by themselves.
// - Reconnects are retried at least once a second, so work waiting on the engine resumes within
//   about a second of its return.
// Assumes: the engine's event timestamps and inspect timestamps come from the same clock (they
// come from the same daemon).
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import { repositoryOf } from '../api/image-reference.ts';
import { errorMessage } from '../runtime/errors.ts';
import {
  EngineUnavailableError,
  type ContainerBackend,
  type ContainerSummary,
  type EngineEvent,
  type ObservedContainer,
  type ObservedVolume,
} from './container-backend.ts';
import { ImageNames } from './image-names.ts';

export interface ReflectorOptions {
  backend: ContainerBackend;
  /** Name of the host, for logs. */
  host: string;
  /** Labels every container of interest carries. */
  selector: Record<string, string>;
  /** The index key of a container (its owner), or undefined to leave it out of the index. */
  indexKey: (labels: Record<string, string>) => string | undefined;
  log: Logger;
  /** How long to wait before reconnect attempt n (0-based); keep it at most a second or so. */
  reconnectDelay: (attempt: number) => number;
  /** Waits ms, or less if the signal aborts (injected so tests can make waits instant). */
  delay: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Quiet time after the last event or release of a container before it is inspected. */
  debounceMs?: number;
  /** Period of the safety-net relist (one list call; inspects only of what differs). */
  resyncMs?: number;
  /** Inspects at once during a full relist. */
  concurrency?: number;
  now?: () => number;
}

/** A change of one cached container; `after` undefined: gone. */
export interface ContainerChange {
  id: string;
  key: string | undefined;
  before: ObservedContainer | undefined;
  after: ObservedContainer | undefined;
}

export type ChangeListener = (change: ContainerChange) => void;
export type AvailabilityListener = (available: boolean, reason: string) => void;

interface Entry {
  container: ObservedContainer;
  /** Local time at which the inspect that produced this snapshot was sent. */
  observedAt: number;
}

interface Refresh {
  timer?: NodeJS.Timeout;
  inFlight?: Promise<void>;
  dirty: boolean;
  /** Announce the result even if nothing changed: someone waits for it (expectations). */
  announce: boolean;
  /** A failed inspect is tried again on this timer. */
  retry?: NodeJS.Timeout;
  /** Events that arrived while an inspect was in flight: judged against its answer. */
  arrived?: ReceivedEvent[];
}

interface ReceivedEvent extends EngineEvent {
  receivedAt: number;
}

/** How far apart (engine clock) a state change and its event may be and still be the same change. */
const SAME_CHANGE_MS = 100;
/** A stream that lasted this long was healthy: the next reconnect starts without backoff. */
const HEALTHY_STREAM_MS = 10_000;
const INSPECT_RETRY_MS = 1000;
/** How long a destroyed container is remembered; far longer than any inspect takes. */
const TOMBSTONE_MS = 300_000;

export class Reflector {
  readonly host: string;
  private readonly o: Required<ReflectorOptions>;
  private readonly entries = new Map<string, Entry>();
  private readonly index = new Map<string, Set<string>>();
  private readonly refreshes = new Map<string, Refresh>();
  private readonly held = new Map<string, number>();
  private readonly stoppedByEngine = new Set<string>();
  /** The exit code of each container's last die event (Docker zeroes it when it restarts the container). */
  private readonly exitCodes = new Map<string, number>();
  /**
   * When each container was seen destroyed (local time). An inspect sent before that may come
   * back after the destroy event (another connection) and must not bring the container back.
   */
  private readonly destroyed = new Map<string, number>();
  private readonly changeListeners: ChangeListener[] = [];
  private readonly availabilityListeners: AvailabilityListener[] = [];
  private readonly images = new ImageNames();
  /** Managed volumes by name; undefined until the first list. */
  private volumeCache: Map<string, ObservedVolume> | undefined;
  private volumesTimer: NodeJS.Timeout | undefined;
  private readonly knownDigests = (imageId: string): readonly string[] | undefined => this.images.repoDigests(imageId);
  private imagesTimer: NodeJS.Timeout | undefined;
  private queued: ReceivedEvent[] | undefined;
  private streamAbort: AbortController | undefined;
  private engineCheck: Promise<boolean> | undefined;
  private available = false;
  private everSynced = false;
  private reason = 'not connected yet';
  /** Containers running when the engine was last seen going away; compared after it returns. */
  private runningAtLoss: Set<string> | undefined;
  /** Counters for metrics and tests. */
  readonly stats = { connects: 0, relists: 0, inspects: 0, events: 0, skippedEvents: 0 };

  constructor(options: ReflectorOptions) {
    this.host = options.host;
    this.o = {
      debounceMs: 10,
      resyncMs: 300_000,
      concurrency: 8,
      now: Date.now,
      ...options,
    };
  }

  get backend(): ContainerBackend {
    return this.o.backend;
  }

  onChange(listener: ChangeListener): void {
    this.changeListeners.push(listener);
  }

  onAvailability(listener: AvailabilityListener): void {
    this.availabilityListeners.push(listener);
  }

  /** True while the stream is open and the cache was listed over it. */
  isAvailable(): boolean {
    return this.available;
  }

  /** Why the engine is not available (the last error), for conditions. */
  unavailableReason(): string {
    return this.reason;
  }

  /** True once the first list has filled the cache (it may be stale while unavailable). */
  hasSynced(): boolean {
    return this.everSynced;
  }

  get(id: string): ObservedContainer | undefined {
    const entry = this.entries.get(id);
    return entry && this.view(entry);
  }

  /** Cached containers with this index key. */
  byKey(key: string): ObservedContainer[] {
    return [...(this.index.get(key) ?? [])].flatMap((id) => {
      const entry = this.entries.get(id);
      return entry ? [this.view(entry)] : [];
    });
  }

  /** Every index key with at least one cached container. */
  keys(): string[] {
    return [...this.index.keys()];
  }

  all(): ObservedContainer[] {
    return [...this.entries.values()].map((e) => this.view(e));
  }

  /** True, false, or undefined when the image cache cannot say (then ask the engine). */
  imagePresent(reference: string): boolean | undefined {
    return this.images.has(reference) ? true : undefined;
  }

  /**
   * Managed volumes carrying all of these labels, from the cache; undefined before the first
   * list (then ask the engine).
   */
  volumes(labels: Record<string, string>): ObservedVolume[] | undefined {
    if (!this.volumeCache) return undefined;
    const wanted = Object.entries(labels);
    return [...this.volumeCache.values()].filter((v) => wanted.every(([k, val]) => v.labels[k] === val));
  }

  /** The executor created or removed a volume: the cache knows at once, not after its event. */
  volumeCreated(volume: ObservedVolume): void {
    this.volumeCache?.set(volume.name, volume);
  }

  volumeRemoved(name: string): void {
    this.volumeCache?.delete(name);
  }

  /** An executor is about to operate on the container: its events wait until release. */
  hold(id: string): void {
    this.held.set(id, (this.held.get(id) ?? 0) + 1);
  }

  /**
   * The executor is done with the container: inspect it once, and announce the result, which runs
   * the next plan. After a failed plan (`announce` false) only a change is announced: an
   * unchanged container must not run the same failing plan again at once, past its back-off.
   */
  release(id: string, announce = true): void {
    const count = (this.held.get(id) ?? 1) - 1;
    if (count > 0) this.held.set(id, count);
    else this.held.delete(id);
    this.schedule(id, announce);
  }

  /** The executor removed the container: drop it now rather than wait for its destroy event. */
  forget(id: string): void {
    this.held.delete(id);
    const refresh = this.refreshes.get(id);
    clearTimeout(refresh?.timer);
    clearTimeout(refresh?.retry);
    this.refreshes.delete(id);
    this.destroy(id, this.o.now());
  }

  /** True when none of these containers is held or waiting for an inspect. */
  settled(ids: Iterable<string>): boolean {
    for (const id of ids) if (this.held.has(id) || this.refreshes.has(id)) return false;
    return true;
  }

  /** Lists and follows the engine until the signal aborts; never throws. */
  async run(signal: AbortSignal): Promise<void> {
    const resync = setInterval(() => void this.resync(), this.o.resyncMs * (0.9 + 0.2 * Math.random()));
    resync.unref();
    let failures = 0;
    try {
      while (!signal.aborted) {
        const opened = this.o.now();
        const outcome = await this.follow(signal);
        if (signal.aborted) break;
        failures = outcome.synced && this.o.now() - opened > HEALTHY_STREAM_MS ? 0 : failures + 1;
        // A stream that ended while the engine still answers on a new connection was a blip:
        // reconnect without telling anyone the engine was gone.
        if (!(outcome.synced && (await this.engineAnswers()))) this.markUnavailable(outcome.reason);
        await this.o.delay(this.o.reconnectDelay(failures - 1), signal);
      }
    } finally {
      clearInterval(resync);
      this.streamAbort?.abort();
      for (const refresh of this.refreshes.values()) {
        clearTimeout(refresh.timer);
        clearTimeout(refresh.retry);
      }
      clearTimeout(this.imagesTimer);
      clearTimeout(this.volumesTimer);
    }
  }

  /** One connection: open the stream, relist over it, follow it until it ends. */
  private async follow(signal: AbortSignal): Promise<{ synced: boolean; reason: string }> {
    const abort = new AbortController();
    this.streamAbort = abort;
    const stop = (): void => abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    let synced = false;
    let reason = 'the event stream ended (the engine is going away)';
    try {
      await this.o.backend.events(
        (e) => this.onEvent({ ...e, receivedAt: this.o.now() }),
        abort.signal,
        () => {
          this.stats.connects += 1;
          this.queued = [];
          this.relist().then(
            () => {
              synced = true;
              this.markAvailable();
            },
            (err: unknown) => {
              reason = errorMessage(err);
              abort.abort();
            },
          );
        },
      );
    } catch (err) {
      reason = errorMessage(err);
    } finally {
      signal.removeEventListener('abort', stop);
      this.queued = undefined;
    }
    return { synced, reason };
  }

  private markAvailable(): void {
    if (this.available) return;
    this.available = true;
    this.reason = '';
    this.o.log.info({ host: this.host, containers: this.entries.size }, 'engine available');
    for (const listener of this.availabilityListeners) listener(true, '');
  }

  private markUnavailable(reason: string): void {
    this.reason = reason;
    if (!this.available) return;
    this.available = false;
    this.runningAtLoss = new Set(
      [...this.entries].filter(([, e]) => e.container.state === 'running').map(([id]) => id),
    );
    this.o.log.warn({ host: this.host, reason }, 'engine unavailable');
    for (const listener of this.availabilityListeners) listener(false, reason);
  }

  /** A ping on a new connection, shared by everyone who asks while one is under way. */
  private async engineAnswers(): Promise<boolean> {
    this.engineCheck ??= this.o.backend.ping({ fresh: true }).then(
      () => true,
      (err: unknown) => {
        this.reason = errorMessage(err);
        return false;
      },
    );
    try {
      return await this.engineCheck;
    } finally {
      this.engineCheck = undefined;
    }
  }

  /**
   * An operation found the engine not answering (refused, or shutting down) while the stream still
   * looks open. Asks on a new connection; if that fails too, the engine is going away: the
   * controllers wait for it instead of retrying against a dying engine.
   */
  async engineFailed(): Promise<void> {
    if (!this.available) return;
    if (!(await this.engineAnswers())) this.goingAway();
  }

  /** The engine did not answer: stop trusting the stream and wait for it to come back. */
  private goingAway(): void {
    this.markUnavailable(`the engine is going away: ${this.reason}`);
    this.streamAbort?.abort();
  }

  private onEvent(e: ReceivedEvent): void {
    this.stats.events += 1;
    if (this.queued) {
      this.queued.push(e);
      return;
    }
    if (e.type === 'image') return this.imagesChanged();
    // Only a volume's coming and going changes the list; mount and unmount come with every start.
    if (e.type === 'volume') return e.action === 'create' || e.action === 'destroy' ? this.volumesChanged() : undefined;
    // A container attached to or detached from a network (by the executor, or by hand: drift).
    if (e.type === 'network') return this.networkChanged(e);
    if (this.selects(e.attributes)) this.onContainerEvent(e);
  }

  private onContainerEvent(e: ReceivedEvent): void {
    switch (e.action) {
      case 'destroy':
        return this.destroy(e.id, e.receivedAt);
      case 'health_status':
        return this.health(e);
      case 'die':
        return this.died(e);
      case 'create':
      case 'start':
      case 'pause':
      case 'unpause':
      case 'rename':
      case 'update':
        return this.changed(e);
      default:
        // exec_*, attach, kill, stop, restart, resize, top, ...: no state of their own (a stop or
        // kill is followed by die, a restart by die and start).
        return;
    }
  }

  private networkChanged(e: ReceivedEvent): void {
    const id = e.attributes['container'];
    if ((e.action !== 'connect' && e.action !== 'disconnect') || id === undefined || !this.entries.has(id)) return;
    this.changed({ ...e, id });
  }

  private changed(e: ReceivedEvent): void {
    // An inspect on its way may already show this change (the executor's own start, whose event
    // comes after the inspect it asked for was sent): wait for its answer before asking again.
    const refresh = this.refreshes.get(e.id);
    if (refresh?.inFlight && !refresh.dirty) {
      (refresh.arrived ??= []).push(e);
      return;
    }
    if (this.reflects(e)) this.stats.skippedEvents += 1;
    else this.schedule(e.id, false);
  }

  private died(e: ReceivedEvent): void {
    // Docker zeroes the exit code when its restart policy starts the container again; the die
    // event is where a restart's cause stays visible.
    const code = Number(e.attributes['exitCode']);
    if (e.attributes['exitCode'] !== undefined && Number.isInteger(code)) this.exitCodes.set(e.id, code);
    if (this.reflects(e)) {
      this.stats.skippedEvents += 1;
      return;
    }
    if (!this.available) {
      this.stoppedByEngine.add(e.id);
      return;
    }
    // The executor is stopping or removing it: this death is ours, not a sign of the engine.
    if (this.held.has(e.id)) return this.schedule(e.id, false);
    void this.engineAnswers().then((alive) => {
      if (alive) return this.schedule(e.id, false);
      this.stoppedByEngine.add(e.id);
      this.goingAway();
    });
  }

  private health(e: ReceivedEvent): void {
    const entry = this.entries.get(e.id);
    const status = e.detail;
    if (!entry || (status !== 'healthy' && status !== 'unhealthy' && status !== 'starting')) {
      return this.schedule(e.id, false);
    }
    if (entry.container.health === status) return;
    // Unhealthy is acted on (a restart, an Event with the probe's output): inspect for the output.
    if (status === 'unhealthy') return this.schedule(e.id, false);
    this.put(e.id, { ...entry.container, health: status }, entry.observedAt, false);
  }

  /**
   * True when the cached snapshot already shows what the event announces: it was inspected after
   * the event arrived, or its own timestamps say the change it shows is this one. An event can
   * arrive after the inspect that already saw its change (the executor's own create and start).
   */
  private reflects(e: ReceivedEvent): boolean {
    const entry = this.entries.get(e.id);
    if (!entry) return false;
    if (e.receivedAt < entry.observedAt) return true;
    const c = entry.container;
    const near = (time: string | undefined): boolean => {
      if (time === undefined) return false;
      const d = e.timeMs - Date.parse(time);
      return d > -SAME_CHANGE_MS && d < SAME_CHANGE_MS;
    };
    switch (e.action) {
      case 'create':
        return true;
      case 'start':
        return (c.state === 'running' || c.state === 'paused') && near(c.startedAt);
      case 'die':
        return (c.state === 'exited' || c.state === 'dead') && near(c.finishedAt);
      case 'rename':
        return c.name === e.attributes['name'];
      default:
        return false;
    }
  }

  private selects(labels: Record<string, string>): boolean {
    for (const [k, v] of Object.entries(this.o.selector)) if (labels[k] !== v) return false;
    return true;
  }

  /** Inspects the container after a quiet moment; one inspect at a time per container. */
  private schedule(id: string, announce: boolean): void {
    let refresh = this.refreshes.get(id);
    if (!refresh) this.refreshes.set(id, (refresh = { dirty: false, announce: false }));
    refresh.dirty = true;
    refresh.announce ||= announce;
    clearTimeout(refresh.timer);
    refresh.timer = setTimeout(() => this.flush(id), this.o.debounceMs);
  }

  private flush(id: string): void {
    const refresh = this.refreshes.get(id);
    if (!refresh || refresh.inFlight || refresh.retry || this.held.has(id) || !refresh.dirty) return;
    refresh.dirty = false;
    const announce = refresh.announce;
    refresh.announce = false;
    refresh.inFlight = this.inspect(id, announce, refresh).finally(() => {
      refresh.inFlight = undefined;
      const arrived = refresh.arrived ?? [];
      refresh.arrived = undefined;
      for (const e of arrived) {
        if (this.reflects(e)) this.stats.skippedEvents += 1;
        else refresh.dirty = true;
      }
      if (refresh.dirty) this.flush(id);
      else if (!refresh.retry && this.refreshes.get(id) === refresh) this.refreshes.delete(id);
    });
  }

  private async inspect(id: string, announce: boolean, refresh: Refresh): Promise<void> {
    const sentAt = this.o.now();
    this.stats.inspects += 1;
    try {
      const container = await this.o.backend.inspect(id, this.knownDigests);
      if (container && this.selects(container.labels)) this.put(id, container, sentAt, announce);
      else this.remove(id);
    } catch (err) {
      if (err instanceof EngineUnavailableError) return this.goingAway();
      this.o.log.warn({ host: this.host, container: id.slice(0, 12), err: errorMessage(err) }, 'inspect failed');
      // Keep the refresh (the container is not settled) and try again in a while, not at once.
      refresh.announce ||= announce;
      refresh.retry = setTimeout(() => {
        refresh.retry = undefined;
        refresh.dirty = true;
        this.flush(id);
      }, INSPECT_RETRY_MS);
    }
  }

  /** Lists and inspects every selected container and lists the images, replacing the cache. */
  private async relist(): Promise<void> {
    const started = this.o.now();
    const [summaries] = await Promise.all([
      this.o.backend.list(this.o.selector),
      this.relistImages(),
      this.relistVolumes(),
    ]);
    const fresh = await mapLimited(summaries, this.o.concurrency, async (s) => ({
      id: s.id,
      container: await this.o.backend.inspect(s.id, this.knownDigests),
    }));
    this.stats.inspects += summaries.length;
    this.stats.relists += 1;
    const seen = new Set<string>();
    for (const { id, container } of fresh) {
      if (!container) continue;
      seen.add(id);
      const wasRunning = this.runningAtLoss?.has(id) ?? false;
      if (wasRunning && container.state !== 'running') this.stoppedByEngine.add(id);
      this.put(id, container, started, false);
    }
    for (const id of [...this.entries.keys()]) if (!seen.has(id)) this.remove(id);
    this.runningAtLoss = undefined;
    this.everSynced = true;
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const e of queued) this.onEvent(e);
  }

  /** The periodic safety net: one list; inspects only of containers the list shows differently. */
  private async resync(): Promise<void> {
    if (!this.available) return;
    let summaries: ContainerSummary[];
    try {
      summaries = await this.o.backend.list(this.o.selector);
    } catch (err) {
      this.o.log.warn({ host: this.host, err: errorMessage(err) }, 'resync list failed');
      return;
    }
    const listed = new Set(summaries.map((s) => s.id));
    for (const s of summaries) {
      const cached = this.entries.get(s.id)?.container;
      if (!cached || cached.state !== s.state || cached.name !== s.name) this.schedule(s.id, false);
    }
    for (const id of [...this.entries.keys()]) if (!listed.has(id) && !this.held.has(id)) this.remove(id);
  }

  private volumesChanged(): void {
    clearTimeout(this.volumesTimer);
    this.volumesTimer = setTimeout(() => void this.relistVolumes().catch(() => undefined), 100);
  }

  private async relistVolumes(): Promise<void> {
    const listed = await this.o.backend.listVolumes(this.o.selector);
    this.volumeCache = new Map(listed.map((v) => [v.name, v]));
  }

  private imagesChanged(): void {
    clearTimeout(this.imagesTimer);
    this.imagesTimer = setTimeout(() => void this.relistImages().catch(() => undefined), 100);
  }

  private async relistImages(): Promise<void> {
    this.images.replace(await this.o.backend.images());
    // A pull can give an image already here its first repo digest; a container inspected just
    // before this list came in was given the old answer.
    for (const [id, e] of this.entries) {
      if (e.container.imageDigest) continue;
      const repo = repositoryOf(e.container.image);
      const digests = this.images.repoDigests(e.container.imageId) ?? [];
      if (digests.some((d) => d.startsWith(`${repo}@`))) this.schedule(id, true);
    }
  }

  private destroy(id: string, at: number): void {
    for (const [old, when] of this.destroyed) if (at - when > TOMBSTONE_MS) this.destroyed.delete(old);
    this.destroyed.set(id, at);
    this.remove(id);
  }

  private put(id: string, container: ObservedContainer, observedAt: number, announce: boolean): void {
    const gone = this.destroyed.get(id);
    if (gone !== undefined && gone >= observedAt) return;
    const before = this.entries.get(id);
    if (container.state === 'running') this.stoppedByEngine.delete(id);
    this.entries.set(id, { container, observedAt });
    const key = this.reindex(id, before?.container, container);
    if (announce || !before || !isDeepStrictEqual(before.container, container)) {
      this.emit({ id, key, before: before && this.view(before), after: this.view({ container, observedAt }) });
    }
  }

  private reindex(id: string, before: ObservedContainer | undefined, after: ObservedContainer): string | undefined {
    const oldKey = before && this.o.indexKey(before.labels);
    const key = this.o.indexKey(after.labels);
    if (oldKey !== key && oldKey !== undefined) this.unindex(oldKey, id);
    if (key !== undefined) {
      let ids = this.index.get(key);
      if (!ids) this.index.set(key, (ids = new Set()));
      ids.add(id);
    }
    return key;
  }

  private remove(id: string): void {
    const before = this.entries.get(id);
    this.stoppedByEngine.delete(id);
    this.exitCodes.delete(id);
    if (!before) return;
    this.entries.delete(id);
    const key = this.o.indexKey(before.container.labels);
    if (key !== undefined) this.unindex(key, id);
    this.emit({ id, key, before: before.container, after: undefined });
  }

  private unindex(key: string, id: string): void {
    const ids = this.index.get(key);
    ids?.delete(id);
    if (ids?.size === 0) this.index.delete(key);
  }

  private view(entry: Entry): ObservedContainer {
    const id = entry.container.id;
    const lastExitCode = this.exitCodes.get(id);
    if (!this.stoppedByEngine.has(id) && lastExitCode === undefined) return entry.container;
    return {
      ...entry.container,
      ...(this.stoppedByEngine.has(id) ? { stoppedByEngine: true } : {}),
      ...(lastExitCode !== undefined ? { lastExitCode } : {}),
    };
  }

  private emit(change: ContainerChange): void {
    for (const listener of this.changeListeners) {
      try {
        listener(change);
      } catch (err) {
        this.o.log.error({ err: errorMessage(err) }, 'reflector listener failed');
      }
    }
  }
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
