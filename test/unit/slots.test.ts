import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/runtime/slots.ts';

describe('slots', () => {
  it('lets at most size holders in, the next one when a slot is released, in arrival order', async () => {
    const slots = new Slots(1);
    const first = slots.tryAcquire()!;
    expect(slots.tryAcquire()).toBeUndefined();
    const order: string[] = [];
    const b = slots.acquire(new AbortController().signal).then((s) => (order.push('b'), s));
    const c = slots.acquire(new AbortController().signal).then((s) => (order.push('c'), s));
    first.release();
    first.release(); // idempotent: frees one slot, not two
    (await b).release();
    (await c).release();
    expect(order).toEqual(['b', 'c']);
    expect(slots.inUse).toBe(0);
  });

  it('drops a waiter whose signal aborts; it never holds a slot', async () => {
    const slots = new Slots(1);
    const held = slots.tryAcquire()!;
    const abort = new AbortController();
    const waiting = slots.acquire(abort.signal);
    abort.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
    held.release();
    expect(slots.inUse).toBe(0);
    expect(slots.tryAcquire()).toBeDefined();
  });
});
