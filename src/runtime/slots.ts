// A counting semaphore: at most `size` holders at once, the others wait in arrival order. Used to
// bound work that is heavy on a shared resource (image builds on one Docker host).
//
// Guarantees: a waiter whose signal aborts leaves the line and never holds a slot; release() is
// idempotent, so a finally block may call it after an early release.

export interface Slot {
  release(): void;
}

export class Slots {
  private readonly size: number;
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`slots must be a positive integer, got ${size}`);
    this.size = size;
  }

  get inUse(): number {
    return this.held;
  }

  /** A slot now, or undefined when all are held. */
  tryAcquire(): Slot | undefined {
    if (this.held >= this.size || this.waiting.length > 0) return undefined;
    this.held++;
    return this.slot();
  }

  /** A slot once one is free; rejects with the signal's reason when it aborts first. */
  acquire(signal: AbortSignal): Promise<Slot> {
    const now = this.tryAcquire();
    if (now) return Promise.resolve(now);
    return new Promise<Slot>((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', leave);
        this.held++;
        resolve(this.slot());
      };
      const leave = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal.aborted) return leave();
      this.waiting.push(grant);
      signal.addEventListener('abort', leave, { once: true });
    });
  }

  private slot(): Slot {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held--;
        this.waiting.shift()?.();
      },
    };
  }
}
