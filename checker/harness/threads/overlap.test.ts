import { describe, expect, it } from 'vitest';
import { overlapOf } from './overlap.ts';
import type { WorkSpan } from './work-log.ts';

const span = (threadId: number, start: number, end: number | undefined, cpuMs?: number): WorkSpan => ({
  id: `${threadId}:${start}`,
  label: 'w',
  threadId,
  start,
  ...(end === undefined ? {} : { end }),
  ...(cpuMs === undefined ? {} : { cpuMs }),
});

describe('overlapOf', () => {
  it('measures the time two threads were under way at once', () => {
    const overlap = overlapOf([span(1, 0, 100, 100), span(2, 10, 110, 100)]);
    expect(overlap).toMatchObject({ threads: [1, 2], togetherMs: 90, spanMs: 110, longestMs: 100 });
    // 200 ms of CPU in 110 ms of wall time: at least 90 ms on two cores at once.
    expect(overlap.provenParallelMs).toBe(90);
  });

  it('finds no overlap for pieces one after the other, nor for pieces on one thread', () => {
    expect(overlapOf([span(1, 0, 50), span(2, 50, 100)]).togetherMs).toBe(0);
    const oneThread = overlapOf([span(1, 0, 50, 50), span(1, 20, 70, 50)]);
    expect(oneThread.togetherMs).toBe(0);
    expect(oneThread.provenParallelMs).toBe(0);
  });

  it('proves nothing when threads that were together took turns on one core', () => {
    // Both under way for 100 ms, but their CPU times add up to the wall time: one core, shared.
    const overlap = overlapOf([span(1, 0, 100, 50), span(2, 0, 100, 50)]);
    expect(overlap.togetherMs).toBe(100);
    expect(overlap.provenParallelMs).toBe(0);
    expect(overlapOf([span(1, 0, 100), span(2, 0, 100, 50)]).provenParallelMs).toBeUndefined();
  });

  it('counts a piece still under way until now, and handles no pieces at all', () => {
    expect(overlapOf([span(1, 0, undefined), span(2, 30, 60)], 80)).toMatchObject({ togetherMs: 30, spanMs: 80, longestMs: 80 });
    expect(overlapOf([])).toMatchObject({ threads: [], togetherMs: 0, spanMs: 0 });
  });

  it('divides the CPU surplus among the threads beyond the first', () => {
    // Three threads, 300 ms of CPU in 100 ms: at least 100 ms with two or more running at once.
    expect(overlapOf([span(1, 0, 100, 100), span(2, 0, 100, 100), span(3, 0, 100, 100)]).provenParallelMs).toBe(100);
  });
});
