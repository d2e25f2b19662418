// `verify --classroom`: the result document GitHub Classroom's grading reporter
// (classroom-resources/autograding-grading-reporter) reads, the same shape its own graders emit:
// `{ version: 1, status, max_score, tests: [{ name, status, message, test_code, filename, line_no,
// duration, score }] }`. The reporter records the sum of `tests[].score` out of `max_score`, so
// there is one entry per graded step, scored with that step's points from grade.ts: the grade
// Classroom shows is exactly `points`/`maxPoints` of the JSON report.
import { countsForStep, totals, type ExerciseReport, type StepReport, type TestReport } from '../grading/grade.ts';
import { explainTampered } from '../grading/integrity.ts';
import { truncate } from './text.ts';

export const CLASSROOM_VERSION = 1;
/** The reporter prints every message in the job log: keep each one readable. */
const MAX_MESSAGE = 4_000;

export type ClassroomStatus = 'pass' | 'fail' | 'error';

export interface ClassroomTest {
  name: string;
  status: ClassroomStatus;
  score: number;
  /** This kata's addition: the step's points when it passes (the reporter ignores unknown keys). */
  max_score: number;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  /** Milliseconds, like the Classroom graders. */
  duration: number;
}

export interface ClassroomResult {
  version: typeof CLASSROOM_VERSION;
  /** This kata's addition (the reporter ignores it): what was graded. */
  target: string;
  status: ClassroomStatus;
  max_score: number;
  tests: ClassroomTest[];
}

export function toClassroomResult(reports: readonly ExerciseReport[], target = 'exercises'): ClassroomResult {
  // The reporter shows only names and scores: a grade of anything but the learner's files says so in each.
  const prefix = target === 'exercises' ? '' : `[graded: ${target}] `;
  const tests = reports.flatMap(exerciseEntries).map((test) => ({ ...test, name: `${prefix}${test.name}` }));
  const { status, maxPoints } = totals(reports);
  return {
    version: CLASSROOM_VERSION,
    target,
    status: status === 'passed' ? 'pass' : reports.some((report) => report.status === 'error') ? 'error' : 'fail',
    max_score: maxPoints,
    tests,
  };
}

/** The reporter reads each runner's result base64-encoded from the step output `result`. */
export function classroomOutputLine(result: ClassroomResult): string {
  return `result=${Buffer.from(JSON.stringify(result)).toString('base64')}\n`;
}

function exerciseEntries(report: ExerciseReport): ClassroomTest[] {
  const entries = report.steps.map((step) => stepEntry(report, step));
  const stepless = report.tests.filter((test) => test.step === null && !countsForStep(test));
  if (stepless.length > 0) {
    entries.push({
      name: `${report.id} · outside any step`,
      status: 'fail',
      score: 0,
      max_score: 0,
      message: failureMessage(stepless),
      ...common(report, stepless),
    });
  }
  return entries;
}

function stepEntry(report: ExerciseReport, step: StepReport): ClassroomTest {
  const tests = report.tests.filter((test) => test.step === step.step);
  const name = `${report.id} · step ${step.step}: ${step.title}`;
  const entry = (status: ClassroomStatus, message: string): ClassroomTest => ({
    name,
    status,
    score: step.points,
    max_score: step.maxPoints,
    message,
    ...common(report, tests),
  });
  if (report.status === 'tampered') return entry('fail', truncate(explainTampered(report.tampered ?? []), MAX_MESSAGE));
  if (report.status === 'error') return entry('error', truncate(report.error ?? 'could not be tested', MAX_MESSAGE));
  if (step.status === 'passed') return entry('pass', '');
  const failing = tests.filter((test) => test.status === 'failed' || test.status === 'not run');
  return entry('fail', failing.length ? failureMessage(failing) : 'No test of this step ran.');
}

function common(report: ExerciseReport, tests: readonly TestReport[]): Pick<ClassroomTest, 'test_code' | 'filename' | 'line_no' | 'duration'> {
  const located = tests.find((test) => test.location)?.location;
  return {
    test_code: `npm run kata -- run ${report.id}`,
    filename: located?.file ?? `exercises/${report.id}`,
    line_no: located?.line ?? 0,
    duration: tests.reduce((total, test) => total + test.durationMs, 0),
  };
}

function failureMessage(failing: readonly TestReport[]): string {
  const [first] = failing;
  if (!first) return '';
  const more = failing.length > 1 ? `\n(${failing.length - 1} more failing in this step)` : '';
  return truncate(`${first.name}\n${first.message}`, MAX_MESSAGE - 50) + more;
}
