// The machine-readable verdict of `verify --json`. Its schema is documented in README.md; bump
// REPORT_VERSION on any change a consumer could notice.
// Version 2: the `tampered` status (verify --strict) with its `tampered` file list, and `location`
// on failed tests. Version 3: `target` (what was graded), and the test status `not run`.
import { totals, type ExerciseReport, type Totals } from '../grading/grade.ts';

export const REPORT_VERSION = 3;

export interface JsonReport extends Totals {
  version: number;
  /** What was graded: `exercises` (the learner's files), `solutions`, or a variant. */
  target: string;
  exercises: Array<Pick<ExerciseReport, 'id' | 'title' | 'status' | 'points' | 'maxPoints' | 'tests' | 'error' | 'tampered'>>;
}

export function toJsonReport(reports: readonly ExerciseReport[], target = 'exercises'): JsonReport {
  return {
    version: REPORT_VERSION,
    target,
    ...totals(reports),
    exercises: reports.map(({ id, title, status, points, maxPoints, tests, error, tampered }) => ({
      id,
      title,
      status,
      points,
      maxPoints,
      tests,
      ...(error === undefined ? {} : { error }),
      ...(tampered === undefined ? {} : { tampered }),
    })),
  };
}
