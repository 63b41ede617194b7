// The benchmark's own view of Docker: container events of the managed containers, so that "the
// container runs" is the moment Docker said so, not the next poll.
import type Docker from 'dockerode';
import { createInterface } from 'node:readline';

interface Seen {
  action: string;
  id: string;
  owner: string;
  at: number;
}

type Waiter = { match: (e: Seen) => boolean; resolve: (e: Seen) => void };

export class EngineEvents {
  private readonly waiters = new Set<Waiter>();
  private stream: NodeJS.ReadableStream & { destroy?: () => void } = undefined as never;

  static async open(docker: Docker, label: string): Promise<EngineEvents> {
    const events = new EngineEvents();
    events.stream = await docker.getEvents({ filters: { type: ['container'], label: [label] } });
    createInterface({ input: events.stream }).on('line', (line) => events.onLine(line));
    return events;
  }

  /** Resolves with the moment (performance.now()) of the first event that matches, from now on. */
  next(action: string, match: (owner: string, id: string) => boolean = () => true): Promise<number> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match: (e) => e.action === action && match(e.owner, e.id),
        resolve: (e) => {
          this.waiters.delete(waiter);
          resolve(e.at);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Resolves when `count` events of `action` have come, with the moment of the last. */
  count(action: string, count: number): Promise<number> {
    if (count <= 0) return Promise.resolve(performance.now());
    let seen = 0;
    return new Promise((resolve) => {
      const waiter: Waiter = {
        match: (e) => e.action === action && ++seen >= count,
        resolve: (e) => {
          this.waiters.delete(waiter);
          resolve(e.at);
        },
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    this.stream.destroy?.();
  }

  private onLine(line: string): void {
    let raw: RawEvent;
    try {
      raw = JSON.parse(line) as typeof raw;
    } catch {
      return;
    }
    const e = seen(raw);
    for (const w of [...this.waiters]) if (w.match(e)) w.resolve(e);
  }
}

type RawEvent = { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };

function seen(raw: RawEvent): Seen {
  const attributes = raw.Actor?.Attributes ?? {};
  return {
    action: (raw.Action ?? '').split(':')[0]!,
    id: raw.Actor?.ID ?? '',
    owner: attributes['nativecontainer.io/owner-name'] ?? attributes['name'] ?? '',
    at: performance.now(),
  };
}
