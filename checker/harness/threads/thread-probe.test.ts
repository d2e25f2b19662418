import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadProbe, epochNow, waitForSignal } from './thread-probe.ts';

const fixture = fileURLToPath(new URL('./thread-probe.fixture.ts', import.meta.url));
let probe: ThreadProbe;
beforeAll(async () => {
  probe = await ThreadProbe.start();
});
afterAll(async () => {
  await probe.close();
});

describe('ThreadProbe', () => {
  it('counts the Atomics calls of a lock that sleeps while the main thread holds it', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cell, 0, 1); // the main thread holds the lock
    const progress = ThreadProbe.progressCell();
    const outcome = probe.run({
      module: fixture,
      exportName: 'SleepingLock',
      args: [cell],
      steps: [{ signal: 1 }, { call: 'lock' }, { call: 'unlock' }],
      progress,
    });
    expect(await waitForSignal(progress, 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const releasedAt = epochNow();
    Atomics.store(cell, 0, 0);
    Atomics.notify(cell, 0);
    const result = await outcome;
    if (!result.finished) throw new Error('probe did not finish');
    const lock = result.report.steps[1];
    expect(lock?.atomics.wait).toBeGreaterThanOrEqual(1);
    expect(lock?.atomics.compareExchange).toBeLessThanOrEqual(4);
    expect(lock?.endedAt).toBeGreaterThanOrEqual(releasedAt - 1);
    expect(lock?.waits.ok, 'woken by the notify').toBe(1);
    expect(lock?.waits['timed-out']).toBeUndefined();
    expect(result.report.threadId).toBeGreaterThan(0);
  });

  it('tells a lock that polls with timed waits from one that is woken', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cell, 0, 1);
    const progress = ThreadProbe.progressCell();
    const outcome = probe.run({ module: fixture, exportName: 'PollingLock', args: [cell], steps: [{ signal: 1 }, { call: 'lock' }], progress });
    expect(await waitForSignal(progress, 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    Atomics.store(cell, 0, 0); // no notify: the poller finds out when its nap runs out
    const result = await outcome;
    if (!result.finished) throw new Error('probe did not finish');
    expect(result.report.steps[1]?.waits['timed-out']).toBeGreaterThanOrEqual(3);
    expect(result.report.steps[1]?.waits.ok).toBeUndefined();
  });

  it('shows a spinning lock for what it is: many compareExchange calls, no wait', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cell, 0, 1);
    const progress = ThreadProbe.progressCell();
    const outcome = probe.run({ module: fixture, exportName: 'SpinningLock', args: [cell], steps: [{ signal: 1 }, { call: 'lock' }], progress });
    expect(await waitForSignal(progress, 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    Atomics.store(cell, 0, 0);
    const result = await outcome;
    if (!result.finished) throw new Error('probe did not finish');
    expect(result.report.steps[1]?.atomics.compareExchange).toBeGreaterThan(1_000);
    expect(result.report.steps[1]?.atomics.wait).toBeUndefined();
  });

  it('gives up on a thread that never wakes, and keeps working afterwards', async () => {
    const cell = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cell, 0, 1); // held, and nobody will release it
    const stuck = await probe.run({ module: fixture, exportName: 'SleepingLock', args: [cell], steps: [{ call: 'lock' }] }, 300);
    expect(stuck.finished).toBe(false);
    const fresh = new Int32Array(new SharedArrayBuffer(4));
    const again = await probe.run({ module: fixture, exportName: 'SleepingLock', args: [fresh], steps: [{ call: 'lock' }, { sleepMs: 20 }] });
    expect(again.finished).toBe(true);
    if (again.finished) expect(again.report.steps[1]!.endedAt - again.report.steps[1]!.startedAt).toBeGreaterThanOrEqual(19);
  });

  it('reports an error thrown by a step, and a missing export', async () => {
    const thrown = await probe.run({ module: fixture, exportName: 'Thrower', args: [], steps: [{ call: 'explode' }, { call: 'explode' }] });
    expect(thrown.finished && thrown.report.steps.map((s) => s.error)).toEqual(['RangeError: on purpose']);
    const missing = await probe.run({ module: fixture, exportName: 'Nope', args: [], steps: [] });
    expect(missing.finished && missing.report.error).toMatch(/no export "Nope"/);
  });

  it('waitForSignal times out when nobody signals', async () => {
    expect(await waitForSignal(ThreadProbe.progressCell(), 1, 30)).toBe(false);
  });
});
