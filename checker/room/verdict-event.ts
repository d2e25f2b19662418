// What a learner's checker tells the room about one verdict, picked field by field from the graded
// report and the progress entry: counts, the step, the failing test's name. Never a failure message
// (it can quote the learner's values), never a file name or a line of code.
import { firstFailure, type ExerciseReport } from '../grading/grade.ts';
import { totalHints, type ExerciseProgress } from '../formats/progress-file.ts';
import { LIMITS, type VerdictEvent } from './protocol.ts';

/** The event's fields that come from the verdict itself (the client adds the id, the age and the time on the step). */
export type VerdictFields = Omit<VerdictEvent, 'id' | 'ageMs' | 'stepSeconds'>;

export function verdictFields(report: ExerciseReport, entry: Pick<ExerciseProgress, 'hints' | 'solutionRevealed'>): VerdictFields | undefined {
  // A tampered exercise was not run: there is no verdict on the learner's code to tell.
  if (report.status === 'tampered') return undefined;
  const base = {
    exercise: report.id,
    testsPassed: report.tests.filter((test) => test.status === 'passed').length,
    tests: report.tests.length,
    hints: totalHints(entry),
    solution: entry.solutionRevealed ?? null,
  };
  if (report.status === 'passed') return { ...base, status: 'passed', stepsPassed: report.steps.length, step: null, failingTest: null };
  const open = report.steps.findIndex((step) => step.status !== 'passed');
  // Every step passed but something outside them failed (an unhandled error): the last step is where it shows.
  const stepsPassed = open === -1 ? Math.max(0, report.steps.length - 1) : open;
  const step = stepsPassed + 1;
  if (report.status === 'error') return { ...base, status: 'error', stepsPassed, step, failingTest: null };
  const failing = report.tests.find((test) => test.status === 'failed' && test.step === step) ?? firstFailure(report);
  return { ...base, status: 'failed', stepsPassed, step, failingTest: failing ? failing.name.slice(0, LIMITS.testNameLength) : null };
}

/** Where a learner is in an exercise, for the time-on-step clock: a step number, or `done`. */
export function placeOf(fields: VerdictFields): string {
  return fields.step === null ? 'done' : String(fields.step);
}
