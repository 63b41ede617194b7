// Work the manager runs only while this replica leads (the healthchecks it runs on Podman hosts):
// started with leadership, its signal aborted when leadership is lost, started afresh when it
// comes back, and ended by stop. No informers: the manager leads as soon as it starts.
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../src/runtime/kube-client.ts';
import type { LeaderCallbacks, LeaderElector } from '../../src/runtime/leader-election.ts';
import { Manager } from '../../src/runtime/manager.ts';
import { RuntimeMetrics } from '../../src/runtime/metrics.ts';
import { silentLog, until } from './fixtures.ts';

/** An elector the test drives: it hands over and takes back leadership when told. */
class ScriptedElector {
  callbacks: LeaderCallbacks | undefined;
  private term = new AbortController();
  run(callbacks: LeaderCallbacks, signal: AbortSignal): Promise<void> {
    this.callbacks = callbacks;
    return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  lead(): void {
    this.term = new AbortController();
    this.callbacks!.onStartedLeading(this.term.signal);
  }
  lose(): void {
    this.term.abort();
    this.callbacks!.onStoppedLeading('lease lost');
  }
  release(): Promise<void> {
    return Promise.resolve();
  }
}

function manager(elector?: ScriptedElector): Manager {
  return new Manager({
    client: {} as KubeClient,
    log: silentLog(),
    metrics: new RuntimeMetrics(),
    namespaces: [],
    idleTimeoutMs: 60_000,
    resyncMs: 60_000,
    ...(elector ? { elector: elector as unknown as LeaderElector } : {}),
    stopTimeoutMs: 1000,
  });
}

/** A runnable that records each term: when it started and whether its signal has aborted. */
function recorder(): { terms: AbortSignal[]; run: (signal: AbortSignal) => Promise<void> } {
  const terms: AbortSignal[] = [];
  return {
    terms,
    run: (signal) => {
      terms.push(signal);
      return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
}

describe('runnables that run only while leading', () => {
  it('start with leadership, end when it is lost, and start afresh when it comes back', async () => {
    const elector = new ScriptedElector();
    const m = manager(elector);
    const r = recorder();
    m.addLeaderRunnable({ name: 'r', run: r.run });
    await m.start();
    await until('campaigning', () => elector.callbacks !== undefined);
    expect(r.terms).toHaveLength(0);

    elector.lead();
    expect(r.terms).toHaveLength(1);
    expect(r.terms[0]!.aborted).toBe(false);

    elector.lose();
    expect(r.terms[0]!.aborted).toBe(true);
    elector.lead();
    expect(r.terms).toHaveLength(2);
    expect(r.terms[1]!.aborted).toBe(false);

    await m.stop();
    expect(r.terms[1]!.aborted).toBe(true);
  });

  it('start at once on a single replica and end with stop', async () => {
    const m = manager();
    const r = recorder();
    m.addLeaderRunnable({ name: 'r', run: r.run });
    await m.start();
    expect(r.terms).toHaveLength(1);
    await m.stop();
    expect(r.terms[0]!.aborted).toBe(true);
  });
});
