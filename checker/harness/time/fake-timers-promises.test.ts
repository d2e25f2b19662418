import * as namespace from 'node:timers/promises';
import timersPromises, { scheduler, setImmediate as immediate, setInterval as every, setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { advance, runUntilIdle, track, useFakeClock } from './fake-time.ts';
import { adviceFor, watchHandles } from '../checks/leaks.ts';

const nodeSleep = sleep;
const nodeWait = Object.getOwnPropertyDescriptor(scheduler, 'wait');

afterEach(() => {
  vi.useRealTimers();
});

describe('node:timers/promises on the fake clock', () => {
  it('setTimeout waits fake time, through a named import, the namespace and the default object', async () => {
    useFakeClock();
    const named = track(sleep(100, 'named'));
    const viaNamespace = track(namespace.setTimeout(100, 'namespace'));
    const viaDefault = track(timersPromises.setTimeout(100, 'default'));
    await advance(99);
    expect([named.status, viaNamespace.status, viaDefault.status]).toEqual(['pending', 'pending', 'pending']);
    await advance(1);
    expect([named.value, viaNamespace.value, viaDefault.value]).toEqual(['named', 'namespace', 'default']);
    expect(named.settledAtMs).toBe(100);
  });

  it('is cancelled by its signal like Node\'s: AbortError (ABORT_ERR, the reason as its cause), and its timer is gone', async () => {
    useFakeClock();
    const controller = new AbortController();
    const waiting = track(sleep(100, 'never', { signal: controller.signal }));
    await advance(10);
    controller.abort('stop');
    await advance(0);
    expect(waiting.status).toBe('rejected');
    expect(waiting.reason).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: 'stop' });
    expect(vi.getTimerCount()).toBe(0);
    await expect(sleep(5, 'x', { signal: AbortSignal.abort('before') })).rejects.toMatchObject({ name: 'AbortError', cause: 'before' });
  });

  it('shows in the leak watch as a promise timer, created at the caller\'s line, until it fires or is aborted', async () => {
    useFakeClock();
    const watch = watchHandles();
    const controller = new AbortController();
    const kept = sleep(100, undefined, { signal: controller.signal }).catch(() => 'aborted');
    const unrefd = sleep(100, undefined, { ref: false });
    const open = watch.open();
    expect(open.map((h) => [h.kind, h.what, h.keepsProcessAlive])).toEqual([
      ['promise timer', 'a 100 ms setTimeout from node:timers/promises', true],
      ['promise timer', 'a 100 ms setTimeout from node:timers/promises', false],
    ]);
    expect(open[0]?.createdAt).toMatch(/^checker\/harness\/time\/fake-timers-promises\.test\.ts:\d+:\d+$/);
    expect(adviceFor('promise timer')).toContain('AbortSignal');
    controller.abort();
    await advance(100);
    expect(await kept).toBe('aborted');
    await unrefd;
    expect(watch.open()).toEqual([]);
    watch.stop();
  });

  it('scheduler.wait waits fake time; setImmediate and scheduler.yield stay real, like the global setImmediate', async () => {
    useFakeClock();
    const waited = track(scheduler.wait(50));
    await runUntilIdle(1_000);
    expect(waited.status).toBe('fulfilled');
    expect(waited.settledAtMs).toBe(50);
    await expect(immediate('now')).resolves.toBe('now');
    await expect(scheduler.yield()).resolves.toBeUndefined();
  });

  it('setInterval ticks on fake time, keeps ticks nobody waited for, and clears its interval when the loop ends', async () => {
    useFakeClock();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const value of every(10, 'tick')) {
        expect(value).toBe('tick');
        seen.push(performance.now());
        if (seen.length === 3) break;
      }
    })();
    await advance(35);
    await loop;
    expect(seen.map(Math.round)).toEqual([10, 20, 30]);
    expect(vi.getTimerCount()).toBe(0);
    const controller = new AbortController();
    const aborted = (async () => {
      for await (const _ of every(10, undefined, { signal: controller.signal })) void _;
    })();
    const done = track(aborted);
    await advance(25);
    controller.abort();
    await advance(0);
    expect(done.reason).toMatchObject({ name: 'AbortError' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('calls Node\'s own with real timers, and puts Node\'s own back when the test is over', async () => {
    // The tests above installed it; each one's end put Node's own back.
    expect(sleep).toBe(nodeSleep);
    expect(Object.getOwnPropertyDescriptor(scheduler, 'wait')).toEqual(nodeWait);
    useFakeClock();
    vi.useRealTimers();
    const started = performance.now();
    await expect(sleep(5, 'real')).resolves.toBe('real');
    expect(performance.now() - started).toBeGreaterThan(2);
  });
});
