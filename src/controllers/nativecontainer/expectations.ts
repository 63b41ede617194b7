// Expectations, as kube-controller-manager's controllers keep them: after a plan was carried
// out, the next plan must wait until the host's cache has seen its effects, or it would plan the
// same work again from the old picture (create a second container, start one already started).
// The reflector says when the containers the plan touched are settled (inspected after the plan).
//
// Guarantees: waiting(key) is true from expect() until every touched container is settled or
// the deadline passes (a cache that never catches up must not block the resource for ever).
import type { Reflector } from '../../backend/reflector.ts';

interface Expectation {
  ids: string[];
  deadline: number;
}

export class Expectations {
  private readonly pending = new Map<string, Expectation>();
  private readonly now: () => number;
  private readonly timeoutMs: number;

  constructor(options: { now?: () => number; timeoutMs?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  expect(key: string, ids: readonly string[]): void {
    if (ids.length === 0) this.pending.delete(key);
    else this.pending.set(key, { ids: [...ids], deadline: this.now() + this.timeoutMs });
  }

  waiting(key: string, reflector: Reflector): boolean {
    const e = this.pending.get(key);
    if (!e) return false;
    if (reflector.settled(e.ids) || this.now() > e.deadline) {
      this.pending.delete(key);
      return false;
    }
    return true;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}
