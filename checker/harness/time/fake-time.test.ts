import { afterEach, describe, expect, it, vi } from 'vitest';
import { advance, runUntilIdle, settle, useFakeClock } from './fake-time.ts';

afterEach(() => {
  vi.useRealTimers();
});

/**
 * A timer at 10 ms whose callback, one microtask later, queues a setImmediate that starts a 5 ms timer:
 * the way a semaphore hands a freed connection on with setImmediate. Returns when the second timer was
 * started and when it fired, on the fake clock.
 */
function handOffWithImmediate(): { startedAt?: number; firedAt?: number } {
  const seen: { startedAt?: number; firedAt?: number } = {};
  setTimeout(() => {
    void Promise.resolve().then(() =>
      setImmediate(() => {
        seen.startedAt = performance.now();
        setTimeout(() => (seen.firedAt = performance.now()), 5);
      }),
    );
  }, 10);
  // A later timer, so the clock has somewhere to move on to.
  setTimeout(() => undefined, 100);
  return seen;
}

describe('useFakeClock({ drainImmediates: true })', () => {
  it('runUntilIdle runs what the code queued with setImmediate before the clock moves on', async () => {
    useFakeClock({ drainImmediates: true });
    const start = performance.now();
    const seen = handOffWithImmediate();
    await runUntilIdle(1_000);
    expect([(seen.startedAt ?? NaN) - start, (seen.firedAt ?? NaN) - start]).toEqual([10, 15]);
  });

  it('advance does too', async () => {
    useFakeClock({ drainImmediates: true });
    const start = performance.now();
    const seen = handOffWithImmediate();
    await advance(12);
    expect((seen.startedAt ?? NaN) - start).toBe(10);
    expect(seen.firedAt).toBeUndefined();
    await advance(3);
    expect((seen.firedAt ?? NaN) - start).toBe(15);
    await advance(85);
    expect(performance.now() - start).toBe(100);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('without it, one turn only: the clock moves on first (the default, unchanged)', async () => {
    useFakeClock();
    const start = performance.now();
    const seen = handOffWithImmediate();
    await runUntilIdle(1_000);
    expect((seen.startedAt ?? NaN) - start).toBe(100);
  });

  it('settle is bounded: an immediate that queues itself for ever does not hang it', async () => {
    useFakeClock({ drainImmediates: true });
    let turns = 0;
    let stop = false;
    const spin = () => {
      turns++;
      if (!stop) setImmediate(spin);
    };
    setImmediate(spin);
    await settle();
    stop = true;
    await new Promise((resolve) => setImmediate(resolve));
    expect(turns).toBeGreaterThan(1);
    expect(turns).toBeLessThan(100);
  });
});
