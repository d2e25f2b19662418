// The central teaching assertion of the IO exercises: "these tasks overlapped in time".
import { advance, type Tracked } from '../time/fake-time.ts';
import { fail, ms } from '../words/explain.ts';
import type { SimulatedIo } from '../time/io.ts';
import { peakOverlap, ranOneAfterAnother } from '../time/timeline.ts';

export interface JoinExpectation {
  /** How long the whole join should take when every task overlaps. */
  expectedMs: number;
  /** The labels that must all have run. */
  labels: readonly string[];
  /** What the learner's function is, for the message: "loadProfile". */
  what: string;
  /**
   * Said after the verdict when the join resolved before the slowest task was done (what its result held
   * at that moment, say). The test knows the result's shape; the harness only sees that it came early.
   */
  early?: () => readonly string[];
}

/**
 * Call after advancing fake time by `expectedMs`. Passes when the result is ready and every task
 * ran; otherwise lets the rest of the work finish, draws it, and explains what happened.
 */
export async function expectJoined(io: SimulatedIo, result: Tracked<unknown>, expected: JoinExpectation): Promise<void> {
  const missing = () => expected.labels.filter((label) => !io.started.includes(label));
  if (result.status === 'fulfilled' && missing().length === 0) {
    // Ready is not enough: a join that resolved before the slowest task was done resolved without its result.
    const took = result.settledAtMs;
    if (took === undefined || took >= expected.expectedMs) return;
    const ends = io.timeline.intervals.map((i) => i.end);
    const lastEnd = ends.length > 0 && ends.every((end) => end !== undefined) ? Math.max(...ends) : undefined;
    const running = io.timeline.intervals.filter((i) => i.end === undefined || i.end > took).map((i) => `"${i.label}"`);
    fail(
      `${expected.what} resolved at ${ms(took)}, before its tasks were done:${running.length > 0 ? ` ${running.join(', ')} ${running.length === 1 ? 'was' : 'were'} still running then, and` : ''} ${lastEnd === undefined ? `the slowest takes ${ms(expected.expectedMs)}` : `the last of them was done only at ${ms(lastEnd)}`}.`,
      io.draw(),
      ...(expected.early?.() ?? ['-> a join is ready when every task has finished, not before: wait for all of them.']),
    );
  }
  if (result.status === 'rejected') {
    fail(`${expected.what} rejected with: ${describeError(result.reason)}`, 'It should resolve with every result.');
  }
  // Let the rest run so the drawing shows the whole story (bounded: at most every task in a row, twice over).
  const budget = expected.labels.length * io.latencyMs * 2;
  for (let waited = 0; !result.settled && waited < budget; waited += io.latencyMs) await advance(io.latencyMs);
  const took = result.settledAtMs;
  const drawing = io.draw();
  if (missing().length > 0) {
    fail(
      `${expected.what} never started: ${missing().join(', ')}.`,
      'Every task you were given must be called (and awaited).',
      drawing,
    );
  }
  if (result.status === 'pending') {
    fail(
      `${expected.what} was still waiting after ${ms(expected.expectedMs + budget)}: it never resolved.`,
      'Is a promise created but never awaited, or awaited but never created?',
      drawing,
    );
  }
  const sequential = ranOneAfterAnother(io.timeline.intervals);
  fail(
    `${expected.what} took ${took === undefined ? 'too long' : ms(took)}; with the tasks overlapping it takes ${ms(expected.expectedMs)}` +
      ` (${slowestLabel(io)} alone takes ${ms(slowest(io))}, and at most ${peakOverlap(io.timeline.intervals)} ran at once).`,
    drawing,
    sequential
      ? '-> these ran one after the other: each `await` waited before the next task was even started. Start them all first, then await them together (Promise.all).'
      : '-> some tasks waited for others before starting. Start every task before awaiting any of them.',
  );
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function durations(io: SimulatedIo): number[] {
  return io.timeline.intervals.map((interval) => (interval.end ?? interval.start) - interval.start);
}

function slowest(io: SimulatedIo): number {
  return Math.max(0, ...durations(io));
}

function slowestLabel(io: SimulatedIo): string {
  const all = durations(io);
  return all.every((d) => d === all[0]) ? 'one task' : 'the slowest task';
}
