// Healthchecks on engines that do not run them by themselves: Podman 4.3 leaves them to systemd
// timers, and without systemd a container's health stays `starting` forever (engines.ts). Here the
// operator runs each running container's check on its interval through the engine's "run it now"
// endpoint (ContainerBackend.runHealthcheck), and the engine records the result as its own timer
// would: health, failing streak, log and a health_status event. The reflector follows that event as
// on Docker, so Ready, the probe's output and onUnhealthy work the same on both engines.
//
// Guarantees:
// - At most one check of a container at a time; the next starts one interval after the last one
//   ended, and the first one interval after the container is first seen running (Docker's rhythm).
// - A container started again (a new startedAt) starts over; one that is not running is not checked.
// - Start period and retries stay the engine's: it does not count a failure in the start period,
//   and calls the container unhealthy after `retries` failures in a row.
// Assumes: it runs on the leader only (it changes what the engine records; two replicas would
// check twice as often).
// Caveats: a Podman host that has systemd runs its own checks too; there they run twice as often.
// Podman 4.3 does not kill a check's command at its timeout: it records the failure when the
// command exits, and until then that container's next check waits.
import type { Logger } from 'pino';
import { errorMessage } from '../runtime/errors.ts';
import type { ContainerBackend, ContainerRunState } from './container-backend.ts';
import { runsHealthchecks, type Engine } from './engines.ts';
import type { EngineHost, HostPool } from './hosts.ts';

/** One container that may need a check. */
export interface CheckTarget {
  host: string;
  id: string;
  state: ContainerRunState;
  startedAt: string | undefined;
  /** Undefined: the container has no healthcheck. */
  intervalMs: number | undefined;
}

interface Slot {
  startedAt: string;
  intervalMs: number;
  nextAt: number;
  running: boolean;
}

/** When each container's next check is due. Pure: the time is passed in. */
export class HealthcheckSchedule {
  private readonly slots = new Map<string, Slot>();

  /** The checks due at `now` among these containers; containers not among them are forgotten. */
  due(targets: readonly CheckTarget[], now: number): CheckTarget[] {
    const seen = new Set<string>();
    const due: CheckTarget[] = [];
    for (const t of targets) {
      if (t.state !== 'running' || t.intervalMs === undefined) continue;
      const key = keyOf(t);
      seen.add(key);
      const slot = this.slotOf(key, t.startedAt ?? '', t.intervalMs, now);
      if (!slot.running && now >= slot.nextAt) due.push(t);
    }
    for (const key of this.slots.keys()) if (!seen.has(key)) this.slots.delete(key);
    return due;
  }

  /** When the next check that is not under way is due; undefined when none is scheduled. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const slot of this.slots.values())
      if (!slot.running && (next === undefined || slot.nextAt < next)) next = slot.nextAt;
    return next;
  }

  started(t: CheckTarget): void {
    const slot = this.slots.get(keyOf(t));
    if (slot) slot.running = true;
  }

  /** The check ended (whatever its outcome): the next one is due an interval from now. */
  finished(t: CheckTarget, now: number): void {
    const slot = this.slots.get(keyOf(t));
    if (!slot) return;
    slot.running = false;
    slot.nextAt = now + slot.intervalMs;
  }

  private slotOf(key: string, startedAt: string, intervalMs: number, now: number): Slot {
    const slot = this.slots.get(key);
    if (slot?.startedAt === startedAt) {
      slot.intervalMs = intervalMs;
      return slot;
    }
    const fresh = { startedAt, intervalMs, nextAt: now + intervalMs, running: false };
    this.slots.set(key, fresh);
    return fresh;
  }
}

function keyOf(t: CheckTarget): string {
  return `${t.host}/${t.id}`;
}

export interface PodmanHealthchecksOptions {
  pool: HostPool;
  log: Logger;
  /** Waits ms, or less if the signal aborts. */
  delay: (ms: number, signal: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Longest sleep: a container newly seen running is picked up within this time. */
  tickMs?: number;
}

/** Runs the healthchecks of every host whose engine does not run them itself (Podman). */
export class PodmanHealthchecks {
  private readonly schedule = new HealthcheckSchedule();
  /** Which engine each backend is; asked once it answers. */
  private readonly engines = new WeakMap<ContainerBackend, Engine>();
  private readonly asking = new WeakSet<ContainerBackend>();
  private readonly o: Required<PodmanHealthchecksOptions>;

  constructor(options: PodmanHealthchecksOptions) {
    this.o = { now: Date.now, tickMs: 1000, ...options };
  }

  /**
   * Until the signal aborts; never throws. Checks under way are not awaited: Podman answers only
   * when the check's command has exited, even past its timeout, and losing leadership must not
   * wait for that. No check starts after the abort.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const now = this.o.now();
      for (const t of this.schedule.due(this.targets(), now)) void this.check(t);
      const next = this.schedule.nextAt() ?? Infinity;
      await this.o.delay(Math.max(0, Math.min(this.o.tickMs, next - now)), signal);
    }
  }

  private targets(): CheckTarget[] {
    return this.o.pool
      .all()
      .filter((h) => this.drives(h))
      .flatMap((h) =>
        h.reflector.all().map((c) => ({
          host: h.name,
          id: c.id,
          state: c.state,
          startedAt: c.startedAt,
          intervalMs: c.healthcheckIntervalMs,
        })),
      );
  }

  /** True when the host answers and its engine does not run healthchecks itself. */
  private drives(host: EngineHost): boolean {
    if (!host.reflector.isAvailable()) return false;
    const engine = this.engines.get(host.backend);
    if (engine === undefined) this.learnEngine(host);
    return engine !== undefined && !runsHealthchecks(engine);
  }

  private learnEngine(host: EngineHost): void {
    const { backend } = host;
    if (this.asking.has(backend)) return;
    this.asking.add(backend);
    backend
      .engineKind()
      .then(
        (engine) => this.engines.set(backend, engine),
        // Asked again on the next tick.
        (err: unknown) => this.o.log.debug({ host: host.name, err: errorMessage(err) }, 'engine not known yet'),
      )
      .finally(() => this.asking.delete(backend));
  }

  private async check(t: CheckTarget): Promise<void> {
    this.schedule.started(t);
    try {
      await this.o.pool.get(t.host)?.backend.runHealthcheck(t.id);
    } catch (err) {
      this.o.log.warn({ host: t.host, container: t.id.slice(0, 12), err: errorMessage(err) }, 'healthcheck run failed');
    } finally {
      this.schedule.finished(t, this.o.now());
    }
  }
}
