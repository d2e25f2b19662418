// Judging a race between threads so that it shows every time it exists. One attempt runs the code once
// with a start gate (GatedPool): the threads start at the same instant, and each reports when it ran.
// An attempt only counts if the threads were then under way together for a while (overlap.ts); until
// they are, the work per thread doubles. A wrong result ends the judgement at once ("lost"); the right
// result in enough attempts that counted ends it too ("held").
//
// Why several attempts, and what counts. On a machine whose cores are busy with other programs, proof
// of true parallelism from CPU times is rare (0 of 30 attempts, 2 cores, 2 CPU hogs): the threads take
// turns. A non-atomic update loses writes then too, as soon as the threads' loops interleave, and an
// optimised `counter[0]++` loop (which keeps the value in a register) loses nearly everything the other
// thread wrote. But two threads can be under way together on the wall clock and still not interleave,
// if each loop is short enough to run in one time slice of a few ms: measured, attempts together for
// 10 ms with about 6 ms of CPU per thread lost nothing about 4 times in 10. So an attempt counts only if
// each thread also spent long enough on the CPU (many time slices) inside its piece; until then the work
// doubles. The Atomics calls the code made (atomics-census.ts) remain the evidence should a wrong update
// still show nothing.
import { addAtomics, type AtomicsCounts } from './atomics-census.ts';
import { ms } from '../words/explain.ts';
import { atomicsOf, metAtGate } from './gated-pool.ts';
import { overlapOf, type Overlap } from './overlap.ts';
import type { WorkSpan } from './work-log.ts';

export interface RaceRun {
  /** The value the shared state must hold after the run, and the value it holds. */
  expected: number;
  actual: number;
  /** The run's gated spans (GATED_LABEL), one per thread. */
  spans: WorkSpan[];
}

export interface RaceAttempt extends RaceRun {
  /** Operations per thread. */
  size: number;
  overlap: Overlap;
  /** Every thread met the others at the gate in time: the tasks were handed out at once. */
  together: boolean;
  /** The Atomics calls of every thread, added up. */
  atomics: AtomicsCounts;
  elapsedMs: number;
}

export interface RaceVerdict {
  /**
   * lost: an attempt ended with the wrong value. held: `needed` attempts counted and none lost anything.
   * one-after-another: the tasks never waited at the gate together (the code ran them in turn).
   * inconclusive: the threads were never together long enough (a very busy machine), nothing lost.
   */
  outcome: 'lost' | 'held' | 'one-after-another' | 'inconclusive';
  attempts: RaceAttempt[];
  /** The attempt the verdict rests on: the last one. */
  decisive: RaceAttempt;
  /** How many attempts counted (the threads were together at least minTogetherMs, each busy minBusyMs). */
  counted: number;
  minTogetherMs: number;
}

export interface RaceOptions {
  /** Runs the code once, with `size` operations per thread, behind a start gate. */
  run: (size: number) => Promise<RaceRun>;
  startSize: number;
  maxSize: number;
  /** An attempt counts when the threads were under way together at least this long (default 10 ms)... */
  minTogetherMs?: number;
  /** ...and each spent at least this much CPU time in its piece (default 24 ms; where CPU times are unknown, this much wall time). */
  minBusyMs?: number;
  /** Attempts that must count, without a loss, for "held" (default 4). */
  needed?: number;
  /** Give up ("inconclusive") after this many attempts (default 16) or this much time (default 5 s). */
  maxAttempts?: number;
  budgetMs?: number;
}

export async function judgeRace(options: RaceOptions): Promise<RaceVerdict> {
  const { run, startSize, maxSize, minTogetherMs = 10, minBusyMs = 24, needed = 4, maxAttempts = 16, budgetMs = 5_000 } = options;
  // Each thread busy long enough: its CPU time, or where the system has none, its wall time.
  const busyEnough = (spans: readonly WorkSpan[]) =>
    spans.length > 0 && spans.every((span) => (span.cpuMs ?? (span.end ?? span.start) - span.start) >= minBusyMs);
  const started = performance.now();
  const attempts: RaceAttempt[] = [];
  let size = startSize;
  let counted = 0;
  let apart = 0;
  const verdict = (outcome: RaceVerdict['outcome']): RaceVerdict => ({ outcome, attempts, decisive: attempts[attempts.length - 1]!, counted, minTogetherMs });
  while (attempts.length < maxAttempts) {
    const before = performance.now();
    const result = await run(size);
    const attempt: RaceAttempt = {
      ...result,
      size,
      overlap: overlapOf(result.spans),
      together: result.spans.length > 0 && result.spans.every(metAtGate),
      atomics: addAtomics(...result.spans.map(atomicsOf)),
      elapsedMs: performance.now() - before,
    };
    attempts.push(attempt);
    if (attempt.actual !== attempt.expected) return verdict('lost');
    // Handed out one at a time: each thread waited at the gate alone. Twice, so a single slow start
    // on a busy machine is not taken for it.
    apart = !attempt.together && attempt.overlap.togetherMs === 0 ? apart + 1 : 0;
    if (apart >= 2) return verdict('one-after-another');
    if (attempt.overlap.togetherMs >= minTogetherMs && busyEnough(attempt.spans)) {
      if (++counted >= needed) return verdict('held');
    } else {
      size = Math.min(size * 2, maxSize);
    }
    if (performance.now() - started > budgetMs) break;
  }
  return verdict('inconclusive');
}

/** The attempts as lines a learner can read, one per attempt (the last `shown` of them). */
export function describeRace(verdict: RaceVerdict, unit = 'updates', shown = 5): string {
  const hidden = Math.max(0, verdict.attempts.length - shown);
  const lines = verdict.attempts
    .map((a, i) => {
      const threads = a.overlap.threads.length;
      const lost = a.expected - a.actual;
      const count = a.actual.toLocaleString('en-US');
      const result = lost === 0 ? `${count}, none lost` : lost > 0 ? `${count}, ${lost.toLocaleString('en-US')} lost` : `${count}, ${(-lost).toLocaleString('en-US')} too many`;
      const cpu = a.spans.every((span) => span.cpuMs !== undefined) ? ` (CPU ${a.spans.map((span) => ms(span.cpuMs ?? 0)).join(' + ')})` : '';
      const together = `the threads were under way together for ${ms(a.overlap.togetherMs)} of ${ms(a.overlap.spanMs)}${cpu}`;
      return `  attempt ${i + 1}: ${threads} thread${threads === 1 ? '' : 's'} x ${a.size.toLocaleString('en-US')} ${unit}: ${result}; ${together}`;
    })
    .slice(hidden);
  return [...(hidden > 0 ? [`  (${hidden} earlier attempt${hidden === 1 ? '' : 's'}, none lost)`] : []), ...lines].join('\n');
}
