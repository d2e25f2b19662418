import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { scheduledBy } from './scheduled-by.ts';

describe('scheduledBy', () => {
  it('counts the timers a call makes, through node:timers/promises and awaits, and none of the caller\'s', async () => {
    const outside = setInterval(() => undefined, 1);
    const seen = await scheduledBy(async () => {
      for (let i = 0; i < 3; i++) await sleep(1);
      await new Promise((resolve) => setImmediate(resolve));
      return 'done';
    });
    clearInterval(outside);
    expect(seen.outcome).toEqual({ status: 'fulfilled', value: 'done' });
    expect(seen.timers).toBe(3);
    expect(seen.immediates).toBe(1);
  });

  it('counts Atomics calls and how the waits came back; a wake-up by notify is "ok"', async () => {
    const words = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(words, 0, 1);
    const waker = setTimeout(() => {
      Atomics.store(words, 0, 0);
      Atomics.notify(words, 0);
    }, 20);
    const seen = await scheduledBy(async () => {
      while (Atomics.compareExchange(words, 0, 0, 1) !== 0) {
        const result = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t?: number): { async: boolean; value: Promise<string> | string } }).waitAsync(words, 0, 1);
        if (result.async) await result.value;
      }
    });
    clearTimeout(waker);
    expect(seen.timers).toBe(0);
    expect(seen.atomics.compareExchange).toBe(2);
    expect(seen.atomics.waitAsync).toBe(1);
    expect(seen.atomics.notify).toBeUndefined();
    expect(seen.waits).toEqual({ ok: 1 });
    expect(typeof Atomics.compareExchange).toBe('function');
  });

  it('records the timeout each wait that ran out had asked for', async () => {
    const words = new Int32Array(new SharedArrayBuffer(4));
    // Looked up at each call: scheduledBy() counts through Atomics.waitAsync as it is while the call runs.
    const waitAsync = (a: Int32Array, i: number, v: number, t?: number) =>
      (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t?: number): { async: boolean; value: Promise<string> | string } }).waitAsync(a, i, v, t);
    const seen = await scheduledBy(async () => {
      for (const napMs of [1, 2]) {
        const result = waitAsync(words, 0, 0, napMs);
        if (result.async) await result.value;
      }
      waitAsync(words, 0, 1, 5); // 'not-equal' at once: not a nap
    });
    expect(seen.waits).toEqual({ 'timed-out': 2, 'not-equal': 1 });
    expect(seen.timedOutAfterMs).toEqual([1, 2]);
  });

  it('reports a rejection, and puts Atomics back', async () => {
    const original = Atomics.exchange;
    const seen = await scheduledBy(() => Promise.reject(new Error('nope')));
    expect(seen.outcome.status).toBe('rejected');
    expect(Atomics.exchange).toBe(original);
  });
});
