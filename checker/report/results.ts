// `verify --results FILE`: the verdict as the test-runner `results.json` of exercism (version 3,
// https://exercism.org/docs/building/tooling/test-runners/interface), the format many graders read
// now that GitHub Classroom is being retired. One entry per test, in test-file order, each linked to
// its graded step (`task_id`). A test that did not run costs its step its points, so it is a `fail`;
// a test skipped for a reason the kata declares counts, so it is a `pass` that says why.
import type { ExerciseReport, TestReport } from '../grading/grade.ts';
import { explainTampered } from '../grading/integrity.ts';
import { countsForStep, totals } from '../grading/grade.ts';

export const RESULTS_VERSION = 3;
/** exercism's limit on a test's `output`. */
const MAX_OUTPUT = 500;

export type ResultStatus = 'pass' | 'fail' | 'error';

export interface ResultTest {
  name: string;
  status: ResultStatus;
  message?: string;
  output?: string;
  test_code: string;
  task_id?: number;
}

export interface ResultsDocument {
  version: typeof RESULTS_VERSION;
  status: ResultStatus;
  message?: string;
  tests: ResultTest[];
}

export function toResults(reports: readonly ExerciseReport[], target = 'exercises'): ResultsDocument {
  const prefix = target === 'exercises' ? '' : `[graded: ${target}] `;
  const tests = reports.flatMap((report) => entries(report).map((test) => ({ ...test, name: `${prefix}${test.name}` })));
  const broken = reports.filter((report) => report.status === 'error' || report.status === 'tampered');
  // exercism's `error`: nothing could run at all.
  if (broken.length === reports.length && reports.length > 0) {
    return { version: RESULTS_VERSION, status: 'error', message: broken.map(problem).join('\n\n'), tests };
  }
  return { version: RESULTS_VERSION, status: totals(reports).status === 'passed' ? 'pass' : 'fail', tests };
}

function entries(report: ExerciseReport): ResultTest[] {
  const test_code = `npm run kata -- run ${report.id}`;
  if (report.status === 'error' || report.status === 'tampered') {
    return [{ name: `${report.id}: the tests could run`, status: 'error', message: problem(report), test_code }];
  }
  const output = report.consoleOutput?.length ? truncateOutput(report.consoleOutput.join('\n')) : undefined;
  return report.tests.map((test) => {
    const step = report.steps.find((candidate) => candidate.step === test.step);
    const entry: ResultTest = {
      name: `${report.id} › ${step ? `step ${step.step}: ${step.title} › ` : ''}${test.name}`,
      status: statusOf(test),
      test_code,
      ...(test.step === null ? {} : { task_id: test.step }),
    };
    if (test.message) entry.message = test.status === 'skipped' ? `Skipped, and it counts: ${test.message}` : test.message;
    if (output && test.status !== 'passed') entry.output = output;
    return entry;
  });
}

function statusOf(test: TestReport): ResultStatus {
  return countsForStep(test) ? 'pass' : 'fail';
}

function problem(report: ExerciseReport): string {
  return report.status === 'tampered' ? explainTampered(report.tampered ?? []) : `${report.id}: ${report.error ?? 'could not be tested'}`;
}

function truncateOutput(text: string): string {
  const note = '\nOutput was truncated. Please limit to 500 chars';
  return text.length <= MAX_OUTPUT ? text : `${text.slice(0, MAX_OUTPUT - note.length)}${note}`;
}
