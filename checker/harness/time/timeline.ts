// A record of when tasks ran, and a text drawing of it: the picture explains an overlap (or the
// lack of one) faster than any sentence.
export interface Interval {
  label: string;
  start: number;
  /** Undefined while the task is still running. */
  end?: number;
  outcome?: 'ok' | 'failed' | 'aborted';
}

export class Timeline {
  readonly intervals: Interval[] = [];
  private readonly origin: number;
  /** The same intervals numbered by event (each begin and end is one): the order, when no time passed. */
  private readonly inOrder: Interval[] = [];
  private events = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.origin = clock();
  }

  now(): number {
    return this.clock() - this.origin;
  }

  /** Starts an interval; call the returned function when the task ends. */
  begin(label: string): (outcome?: Interval['outcome']) => void {
    const interval: Interval = { label, start: this.now() };
    const ordered: Interval = { label, start: ++this.events };
    this.intervals.push(interval);
    this.inOrder.push(ordered);
    return (outcome = 'ok') => {
      interval.end = this.now();
      interval.outcome = outcome;
      ordered.end = ++this.events;
      ordered.outcome = outcome;
    };
  }

  /** Draws the intervals over time; when all of it happened at one instant, in the order it happened. */
  draw(options: DrawOptions = {}): string {
    const now = options.now ?? this.now();
    const times = this.intervals.flatMap((i) => [i.start, i.end ?? now]);
    const sameInstant = this.intervals.length > 1 && Math.max(...times) === Math.min(...times);
    if (!sameInstant) return drawTimeline(this.intervals, { ...options, now });
    return [
      `  (all at ${Math.round(times[0] ?? now)} ms: drawn in the order it happened, one step per start or end)`,
      drawTimeline(this.inOrder, { ...options, now: this.events + 1, unit: '' }),
    ].join('\n');
  }
}

export interface DrawOptions {
  width?: number;
  /** Where unfinished intervals end in the drawing. */
  now?: number;
  /** Notes printed after a row, keyed by label. */
  notes?: Record<string, string>;
  /** At most this many rows; the rest are summarised in one line. */
  maxRows?: number;
  /** The unit printed after each row's range (default "ms"; "" for a clock that counts events). */
  unit?: string;
}

export function drawTimeline(intervals: readonly Interval[], options: DrawOptions = {}): string {
  const { width = 20, maxRows = 12, notes = {}, unit = 'ms' } = options;
  if (intervals.length === 0) return '  (no task ever started)';
  const endOf = (i: Interval) => i.end ?? options.now ?? i.start;
  const span = Math.max(1, ...intervals.map(endOf));
  const labelWidth = Math.min(16, Math.max(...intervals.map((i) => i.label.length)));
  const rows = intervals.slice(0, maxRows).map((interval) => {
    const start = interval.start;
    const end = endOf(interval);
    let bar = '';
    for (let cell = 0; cell < width; cell++) {
      const from = (cell / width) * span;
      const to = ((cell + 1) / width) * span;
      // A task that started and ended at one instant still gets the cell it happened in.
      const covered = start === end ? start >= from && (start < to || cell === width - 1) : start < to && end > from;
      bar += covered ? (interval.end === undefined ? '░' : '█') : '·';
    }
    const range = `${Math.round(start)}-${interval.end === undefined ? '…' : Math.round(end)}${unit ? ` ${unit}` : ''}`;
    const status = interval.outcome && interval.outcome !== 'ok' ? ` (${interval.outcome})` : '';
    const note = notes[interval.label] ? `   -> ${notes[interval.label]}` : '';
    return `  ${interval.label.slice(0, labelWidth).padEnd(labelWidth)} |${bar}| ${range}${status}${note}`;
  });
  if (intervals.length > maxRows) rows.push(`  … and ${intervals.length - maxRows} more tasks`);
  return rows.join('\n');
}

/** True when no two intervals overlapped: each started only after the one before it ended. */
export function ranOneAfterAnother(intervals: readonly Interval[]): boolean {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  return sorted.every((interval, i) => {
    const previous = sorted[i - 1];
    return previous === undefined || (previous.end !== undefined && interval.start >= previous.end);
  });
}

/** The largest number of intervals running at one instant. */
export function peakOverlap(intervals: readonly Interval[]): number {
  const events = intervals.flatMap((i) => [
    { at: i.start, delta: +1 },
    { at: i.end ?? Number.POSITIVE_INFINITY, delta: -1 },
  ]);
  // Ends sort before starts at the same instant: back-to-back tasks do not overlap.
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let current = 0;
  let peak = 0;
  for (const event of events) {
    current += event.delta;
    peak = Math.max(peak, current);
  }
  return peak;
}

export interface Occupancy {
  /** Slot-milliseconds left idle while some call was still waiting to start (0 for a pool that is always full). */
  idleMs: number;
  /** The first moment a slot sat idle while calls waited: how many ran, how many waited. */
  firstGap?: { atMs: number; untilMs: number; running: number; waiting: number };
  /**
   * With `calls`: some calls never started at all, and from `sinceMs` on fewer than `slots` ran (none
   * of them, once everything that started has ended): slots that never came back, say.
   */
  stuck?: { sinceMs: number; running: number; neverStarted: number };
}

export interface OccupancyOptions {
  /** How many calls there are in all: one that never started waits the whole time (a slot lost for good shows). */
  calls?: number;
  /** Judge only up to this moment (a cancel, after which nothing should start). */
  untilMs?: number;
  /**
   * When the calls were handed over (default: the first start). A batch judged among others on one timeline may
   * start late because another took its slots: from this moment on, its waiting counts.
   */
  fromMs?: number;
}

/**
 * How well `slots` connections were used: every instant a call is still to start (it starts later, or
 * never) and fewer than `slots` calls run, a connection sits idle that a pool would have used. A pool
 * refills a slot the moment it frees; batches of N (one Promise.all each) leave slots idle whenever
 * latencies differ; a slot its holder never gives back stays idle for good. Assumes every call was
 * queued from the start (a batch handed over at once).
 */
export function occupancy(intervals: readonly Interval[], slots: number, options: OccupancyOptions = {}): Occupancy {
  const { untilMs = Number.POSITIVE_INFINITY } = options;
  const judged = intervals.filter((i) => i.start <= untilMs);
  // Still to start when the judging ends: never started, or (with untilMs) started only after it.
  const neverStarted = Math.max(0, (options.calls ?? intervals.length) - judged.length);
  const marks = judged.flatMap((i) => [i.start, ...(i.end === undefined ? [] : [i.end])]).filter((t) => t <= untilMs);
  if (Number.isFinite(untilMs)) marks.push(untilMs);
  if (options.fromMs !== undefined) marks.push(options.fromMs);
  const times = [...new Set(marks)].sort((a, b) => a - b);
  let idleMs = 0;
  let firstGap: Occupancy['firstGap'];
  for (let k = 0; k + 1 < times.length; k++) {
    const from = times[k]!;
    const to = times[k + 1]!;
    const running = judged.filter((i) => i.start <= from && (i.end === undefined || i.end >= to)).length;
    const waiting = judged.filter((i) => i.start >= to).length + neverStarted;
    if (waiting === 0 || running >= slots) continue;
    idleMs += (slots - running) * (to - from);
    firstGap ??= { atMs: from, untilMs: to, running, waiting };
  }
  const result: Occupancy = firstGap ? { idleMs, firstGap } : { idleMs };
  if (neverStarted > 0 && !Number.isFinite(untilMs)) {
    // After the last start or end nothing changes any more: what still runs then runs on, the rest never starts.
    const sinceMs = times[times.length - 1] ?? 0;
    const running = intervals.filter((i) => i.end === undefined).length;
    if (running < slots) {
      result.stuck = { sinceMs, running, neverStarted };
      result.firstGap ??= { atMs: sinceMs, untilMs: Number.POSITIVE_INFINITY, running, waiting: neverStarted };
    }
  }
  return result;
}
