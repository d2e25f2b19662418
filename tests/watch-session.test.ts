// Watch mode's test session on a copy of the kata, driven as a learner's saves drive it: the steps run
// in order and stop at the first failing one; a save that hangs the event loop gets a verdict from
// the watchdog, and the next save is graded as usual; a deleted test file is not shown as passing.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exercise } from '../checker/exercises.ts';
import type { ExerciseReport } from '../checker/grading/grade.ts';
import type { WatchSession } from '../checker/watch/session.ts';
import { ROOT } from '../checker/paths.ts';
import { copyKata, type KataCopy } from './support/kata-copy.ts';

const ID = '01-async-join';
const solution = readFileSync(path.join(ROOT, 'solutions', ID, 'join.ts'), 'utf8');
const endless = solution.replace('const results = await Promise.all', 'if (tasks.length === 0) for (;;);\n  const results = await Promise.all');

let copy: KataCopy;
let exercise: Exercise;
let session: WatchSession;
let next: ((report: ExerciseReport) => void) | undefined;

/** Saves `content` as the learner's file and waits for the verdict that save brings. */
async function save(content: string): Promise<ExerciseReport> {
  const verdict = new Promise<ExerciseReport>((resolve) => (next = resolve));
  writeFileSync(path.join(exercise.dir, 'join.ts'), content);
  return verdict;
}

beforeAll(async () => {
  copy = copyKata([ID]);
  // Short, so the hung save costs seconds; not so short that a test process starved of CPU looks hung.
  process.env.KATA_WATCHDOG_MS = '5000';
  // The copy's own modules, so its watcher watches the copy's files.
  const load = async <T>(relative: string) => (await import(pathToFileURL(copy.file(relative)).href)) as T;
  const { loadExercises } = await load<typeof import('../checker/exercises.ts')>('checker/exercises.ts');
  const { WatchSession } = await load<typeof import('../checker/watch/session.ts')>('checker/watch/session.ts');
  const exercises = loadExercises(copy.file('exercises'), copy.file('solutions'));
  exercise = exercises.find((candidate) => candidate.id === ID) as Exercise;
  session = await WatchSession.start(exercises, { onRunStart: () => undefined, onRunEnd: (reports) => reports.forEach((report) => next?.(report)) }, false);
  session.setFocus(exercise);
  const first = new Promise<ExerciseReport>((resolve) => (next = resolve));
  await session.run();
  await first;
}, 60_000);

afterAll(async () => {
  delete process.env.KATA_WATCHDOG_MS;
  await session.close();
});

describe('watch mode', () => {
  it('shows the step in front of the learner: later steps are not run yet', async () => {
    const report = await save(solution.replace('const results = await Promise.all(tasks.map((task) => task()));', 'const results: T[] = [];'));
    expect(report.steps.map((step) => step.status)).toEqual(['passed', 'failed', 'not run', 'not run']);
  });

  it('gives a verdict on a save whose code never gives the event loop back, then grades the next save as usual', async () => {
    const hung = await save(endless);
    expect(hung.tests.find((test) => test.status === 'failed')?.message).toMatch(/The event loop was blocked for \d+ s while this test ran/);
    const fixed = await save(solution);
    expect(fixed).toMatchObject({ status: 'passed', points: 8 });
  }, 30_000);

  it('does not keep showing a verdict for tests that were deleted', async () => {
    const verdict = new Promise<ExerciseReport>((resolve) => (next = resolve));
    rmSync(path.join(exercise.dir, 'join.test.ts'));
    const report = await verdict;
    expect(report.status).toBe('error');
    expect(report.error).toMatch(/The tests of this exercise are missing/);
  }, 30_000);
});
