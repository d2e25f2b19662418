import { describe, expect, it } from 'vitest';
import { Timeline, drawTimeline, occupancy, peakOverlap, ranOneAfterAnother, type Interval } from './timeline.ts';

const sequential: Interval[] = [
  { label: 'user', start: 0, end: 100 },
  { label: 'image', start: 100, end: 200 },
];
const joined: Interval[] = [
  { label: 'user', start: 0, end: 100 },
  { label: 'image', start: 0, end: 100 },
];

describe('timeline analysis', () => {
  it('calls back-to-back tasks sequential and overlapping ones not', () => {
    expect(ranOneAfterAnother(sequential)).toBe(true);
    expect(ranOneAfterAnother(joined)).toBe(false);
  });

  it('counts the peak number of tasks running at one instant', () => {
    expect(peakOverlap(sequential)).toBe(1);
    expect(peakOverlap(joined)).toBe(2);
    expect(peakOverlap([...joined, { label: 'late', start: 50, end: 150 }])).toBe(3);
    expect(peakOverlap([])).toBe(0);
  });

  it('treats an unfinished task as still running', () => {
    expect(peakOverlap([{ label: 'a', start: 0 }, { label: 'b', start: 500, end: 600 }])).toBe(2);
    expect(ranOneAfterAnother([{ label: 'a', start: 0 }, { label: 'b', start: 10, end: 20 }])).toBe(false);
  });
});

describe('drawing', () => {
  it('draws sequential tasks as two bars side by side, with their times', () => {
    expect(drawTimeline(sequential, { width: 10 })).toBe(
      ['  user  |█████·····| 0-100 ms', '  image |·····█████| 100-200 ms'].join('\n'),
    );
  });

  it('marks unfinished tasks, failures and notes', () => {
    const drawing = drawTimeline(
      [
        { label: 'a', start: 0, end: 50, outcome: 'failed' },
        { label: 'b', start: 0 },
      ],
      { width: 4, now: 100, notes: { b: 'never finished' } },
    );
    expect(drawing).toContain('0-50 ms (failed)');
    expect(drawing).toContain('|░░░░| 0-… ms   -> never finished');
  });

  it('summarises rows beyond the limit instead of flooding the screen', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ label: `t${i}`, start: i, end: i + 1 }));
    const drawing = drawTimeline(many, { maxRows: 5 });
    expect(drawing.split('\n')).toHaveLength(6);
    expect(drawing).toContain('… and 25 more tasks');
  });

  it('draws what happened at one instant in the order it happened', () => {
    const timeline = new Timeline(() => 0);
    const endA = timeline.begin('a');
    const endB = timeline.begin('b');
    endA();
    endB('failed');
    const drawing = timeline.draw({ width: 4 });
    expect(drawing).toContain('drawn in the order it happened');
    expect(drawing).toMatch(/ a \|[█·]+\| 1-3\n/);
    expect(drawing).toMatch(/ b \|[█·]+\| 2-4 \(failed\)/);
  });

  it('records intervals against its own clock', () => {
    let now = 1000;
    const timeline = new Timeline(() => now);
    const end = timeline.begin('query');
    now = 1040;
    end();
    expect(timeline.intervals).toEqual([{ label: 'query', start: 0, end: 40, outcome: 'ok' }]);
  });
});

describe('occupancy', () => {
  // Two slots, four calls of 10, 30, 10, 30 ms.
  it('a pool refills a slot the moment it frees: no idle slot while calls wait', () => {
    const pool: Interval[] = [
      { label: 'a', start: 0, end: 10 },
      { label: 'b', start: 0, end: 30 },
      { label: 'c', start: 10, end: 20 },
      { label: 'd', start: 20, end: 50 },
    ];
    expect(occupancy(pool, 2)).toEqual({ idleMs: 0 });
  });

  it('batches leave a slot idle while the slowest of the batch runs', () => {
    const batches: Interval[] = [
      { label: 'a', start: 0, end: 10 },
      { label: 'b', start: 0, end: 30 },
      { label: 'c', start: 30, end: 40 },
      { label: 'd', start: 30, end: 60 },
    ];
    expect(occupancy(batches, 2)).toEqual({ idleMs: 20, firstGap: { atMs: 10, untilMs: 30, running: 1, waiting: 2 } });
  });

  it('with calls: a call that never started waits the whole time, and slots never given back are stuck', () => {
    // Two slots, four calls: a fails at 10 ms and keeps its slot, b runs on, c and d never start... until b frees one.
    const lost: Interval[] = [
      { label: 'a', start: 0, end: 10, outcome: 'failed' },
      { label: 'b', start: 0, end: 30 },
      { label: 'c', start: 30, end: 40 },
    ];
    expect(occupancy(lost, 2, { calls: 4 })).toEqual({
      idleMs: 30,
      firstGap: { atMs: 10, untilMs: 30, running: 1, waiting: 2 },
      stuck: { sinceMs: 40, running: 0, neverStarted: 1 },
    });
    // Nothing ever ended: nothing to judge but the stuck tail.
    expect(occupancy([], 2, { calls: 3 })).toEqual({ idleMs: 0, firstGap: { atMs: 0, untilMs: Number.POSITIVE_INFINITY, running: 0, waiting: 3 }, stuck: { sinceMs: 0, running: 0, neverStarted: 3 } });
    // Every call started: the same as without calls.
    expect(occupancy([{ label: 'a', start: 0, end: 10 }], 2, { calls: 1 })).toEqual({ idleMs: 0 });
  });

  it('with fromMs: calls handed over then wait from then, even if the first of them started later (another batch held the slots)', () => {
    const late: Interval[] = [
      { label: 'a', start: 20, end: 30 },
      { label: 'b', start: 20, end: 30 },
    ];
    expect(occupancy(late, 2)).toEqual({ idleMs: 0 });
    expect(occupancy(late, 2, { fromMs: 0 })).toEqual({ idleMs: 40, firstGap: { atMs: 0, untilMs: 20, running: 0, waiting: 2 } });
  });

  it('with untilMs: judged only up to that moment (a cancel), what was still to start counts as waiting', () => {
    const pool: Interval[] = [
      { label: 'a', start: 0, end: 10 },
      { label: 'b', start: 0, end: 30 },
      { label: 'c', start: 10, end: 25 },
    ];
    // Cancelled at 25: d never started, and until 25 both slots were busy.
    expect(occupancy(pool, 2, { calls: 4, untilMs: 25 })).toEqual({ idleMs: 0 });
    // Cancelled at 28: from 25 to 28 one slot sat idle while d waited.
    expect(occupancy(pool, 2, { calls: 4, untilMs: 28 })).toEqual({ idleMs: 3, firstGap: { atMs: 25, untilMs: 28, running: 1, waiting: 1 } });
  });

  it('an idle slot with nothing left to start is no waste', () => {
    expect(occupancy([{ label: 'a', start: 0, end: 10 }], 4)).toEqual({ idleMs: 0 });
  });
});
