import { afterAll, describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { BareThreads } from './parallel.ts';
import { CPU_WORK_LABEL } from './cpu.worker.ts';
import { drawWork, listenToWork, peakConcurrency, reportWork, reported, threadsOf, wallClock, type WorkSpan } from './work-log.ts';

describe('work log', () => {
  let bare: BareThreads | undefined;
  afterAll(async () => {
    await bare?.close();
  });

  it('receives spans reported on this thread, with start and end', async () => {
    const log = listenToWork();
    try {
      const since = wallClock();
      const value = reported('main work', () => 42, { rows: 3 });
      expect(value).toBe(42);
      const spans = await log.settled({ since, label: 'main work' });
      expect(spans).toHaveLength(1);
      expect(spans[0]).toMatchObject({ label: 'main work', threadId, detail: { rows: 3 } });
      expect(spans[0]?.end).toBeGreaterThanOrEqual(spans[0]?.start ?? Infinity);
    } finally {
      log.close();
    }
  });

  it('keeps a span open until its end is reported', async () => {
    const log = listenToWork();
    try {
      const end = reportWork('open work');
      await log.waitFor((spans) => spans.length === 1, { label: 'open work' });
      expect(log.spans({ label: 'open work' })[0]?.end).toBeUndefined();
      end();
      const [span] = await log.settled({ label: 'open work' });
      expect(span?.end).toBeDefined();
    } finally {
      log.close();
    }
  });

  it('sees work from worker threads: distinct thread ids and overlapping spans', async () => {
    bare = await BareThreads.start(2);
    const log = listenToWork();
    try {
      const since = wallClock();
      // Each task sleeps 80 ms in its thread, so the two spans overlap even on a busy machine.
      await Promise.all([bare.pool.run({ units: 0, sleepMs: 80 }), bare.pool.run({ units: 0, sleepMs: 80 })]);
      const spans = await log.settled({ since, label: CPU_WORK_LABEL }, { atLeast: 2 });
      expect(spans).toHaveLength(2);
      expect(threadsOf(spans)).toHaveLength(2);
      expect(threadsOf(spans)).not.toContain(threadId);
      // Sleeping in Atomics.wait costs (almost) no CPU: the kernel's count says so, the wall clock does not.
      if (spans.every((span) => span.cpuMs !== undefined)) expect(Math.max(...spans.map((span) => span.cpuMs ?? 0))).toBeLessThan(40);
      expect(peakConcurrency(spans)).toBe(2);
      expect(drawWork(spans)).toContain(`thread ${spans[0]?.threadId}`);
    } finally {
      log.close();
    }
  });

  it('adds detail at the end, and follows a result buffer: transferred away, or kept', async () => {
    const log = listenToWork();
    try {
      const since = wallClock();
      const movedEnd = reportWork('moved result', { rows: 1 });
      const moved = new ArrayBuffer(16);
      movedEnd({ extra: 2 });
      movedEnd.followTransfer(moved);
      structuredClone(moved, { transfer: [moved] }); // what postMessage with a transfer list does
      const keptEnd = reportWork('kept result');
      keptEnd();
      keptEnd.followTransfer(new ArrayBuffer(16));
      const done = await log.waitFor((spans) => spans.length === 2 && spans.every((s) => s.resultMoved !== undefined), { since }, 2000);
      expect(done).toBe(true);
      const [first, second] = log.spans({ since });
      expect(first).toMatchObject({ label: 'moved result', detail: { rows: 1, extra: 2 }, resultMoved: true });
      expect(second).toMatchObject({ label: 'kept result', resultMoved: false });
    } finally {
      log.close();
    }
  });

  it('counts spans that ran one after the other as not concurrent', () => {
    const spans: WorkSpan[] = [
      { id: 'a', label: 'w', threadId: 1, start: 1000, end: 1010 },
      { id: 'b', label: 'w', threadId: 2, start: 1010, end: 1020 },
    ];
    expect(peakConcurrency(spans)).toBe(1);
    expect(drawWork([])).toContain('no work');
  });
});
