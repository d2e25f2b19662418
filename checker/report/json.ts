// The machine-readable verdict of `verify --json`. Its schema is documented in README.md; bump
// REPORT_VERSION on any change a consumer could notice.
import type { ExerciseReport } from '../grade.ts';

export const REPORT_VERSION = 1;

export interface JsonReport {
  version: number;
  status: 'passed' | 'failed';
  passed: number;
  total: number;
  points: number;
  maxPoints: number;
  exercises: Array<Pick<ExerciseReport, 'id' | 'title' | 'status' | 'points' | 'maxPoints' | 'tests' | 'error'>>;
}

export function toJsonReport(reports: readonly ExerciseReport[]): JsonReport {
  const passed = reports.filter((report) => report.status === 'passed').length;
  return {
    version: REPORT_VERSION,
    status: passed === reports.length ? 'passed' : 'failed',
    passed,
    total: reports.length,
    points: reports.reduce((sum, report) => sum + report.points, 0),
    maxPoints: reports.reduce((sum, report) => sum + report.maxPoints, 0),
    exercises: reports.map(({ id, title, status, points, maxPoints, tests, error }) => ({
      id,
      title,
      status,
      points,
      maxPoints,
      tests,
      ...(error === undefined ? {} : { error }),
    })),
  };
}
