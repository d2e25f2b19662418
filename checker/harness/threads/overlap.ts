// Did pieces of work on different threads run at the same time? From the spans each thread reported
// itself (work-log.ts): wall-clock timestamps every thread of the process shares, and, where the kernel
// tells, each thread's own CPU time.
//
// Two kinds of "at the same time". *Together*: both threads were in the middle of their piece at once
// (wall clock). That is what makes a non-atomic update lose writes, whether the cores ran them side by
// side or the scheduler switched between them mid-piece, and what sequential code never shows.
// *Proven parallel*: the threads' CPU times add up to more than the wall time they spanned, which only
// two cores working at once can do. On a machine whose cores are taken by other programs, threads that
// are together may still take turns: proof is then rare, togetherness is not.
import type { WorkSpan } from './work-log.ts';

export interface Overlap {
  /** The distinct threads that did the pieces, in order of first appearance. */
  threads: number[];
  /** Wall-clock ms during which pieces on at least two different threads were under way at once. */
  togetherMs: number;
  /** Wall-clock ms from the first start to the last end. */
  spanMs: number;
  /** The longest piece's wall-clock duration. */
  longestMs: number;
  /**
   * A lower bound on the ms during which at least two of the threads were running on separate cores at
   * the same instant: (sum of CPU times - spanMs) / (threads - 1), from each thread's CPU time. Undefined
   * where a piece has no CPU time. Each CPU reading may lag by a scheduler tick (a few ms).
   */
  provenParallelMs?: number;
}

/** How the pieces overlapped. A piece still under way counts as running until `now` (wall clock). */
export function overlapOf(spans: readonly WorkSpan[], now = Math.max(0, ...spans.map((s) => s.end ?? s.start))): Overlap {
  const threads = [...new Set(spans.map((span) => span.threadId))];
  if (spans.length === 0) return { threads, togetherMs: 0, spanMs: 0, longestMs: 0, provenParallelMs: 0 };
  const ends = spans.map((span) => span.end ?? now);
  const first = Math.min(...spans.map((span) => span.start));
  const spanMs = Math.max(...ends) - first;
  const longestMs = Math.max(...spans.map((span, i) => (ends[i] ?? span.start) - span.start));
  // Sweep the starts and ends in time order, counting the pieces under way per thread.
  const events = spans.flatMap((span, i) => [
    { at: span.start, thread: span.threadId, delta: 1 },
    { at: ends[i] ?? span.start, thread: span.threadId, delta: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const perThread = new Map<number, number>();
  let busyThreads = 0;
  let togetherMs = 0;
  let last = first;
  for (const event of events) {
    if (busyThreads >= 2) togetherMs += event.at - last;
    last = event.at;
    const before = perThread.get(event.thread) ?? 0;
    const after = before + event.delta;
    perThread.set(event.thread, after);
    if (before === 0 && after > 0) busyThreads++;
    if (before > 0 && after === 0) busyThreads--;
  }
  const overlap: Overlap = { threads, togetherMs, spanMs, longestMs };
  if (spans.every((span) => span.cpuMs !== undefined)) {
    const cpuMs = spans.reduce((sum, span) => sum + (span.cpuMs ?? 0), 0);
    overlap.provenParallelMs = threads.length < 2 ? 0 : Math.max(0, (cpuMs - spanMs) / (threads.length - 1));
  }
  return overlap;
}
