// The machine-readable verdict of `verify --json`. Its schema is documented in README.md; bump
// REPORT_VERSION on any change a consumer could notice.
// Version 2: the `tampered` status (verify --strict) with its `tampered` file list, and `location`
// on failed tests.
import { totals, type ExerciseReport, type Totals } from '../grade.ts';

export const REPORT_VERSION = 2;

export interface JsonReport extends Totals {
  version: number;
  exercises: Array<Pick<ExerciseReport, 'id' | 'title' | 'status' | 'points' | 'maxPoints' | 'tests' | 'error' | 'tampered'>>;
}

export function toJsonReport(reports: readonly ExerciseReport[]): JsonReport {
  return {
    version: REPORT_VERSION,
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
