// Turns raw test outcomes into a graded exercise: steps, points, status. Pure, so every reporter
// (table, JSON, JUnit, GitHub Classroom, the job summary, the watch screen) shows the same verdict
// and the same points for the same run: points are computed here and nowhere else.
import path from 'node:path';
import type { Exercise } from './exercises.ts';

export type TestStatus = 'passed' | 'failed' | 'skipped';
/** `tampered`: the exercise's tests, metadata or the shared checker differ from the kata's (verify --strict). */
export type ExerciseStatus = 'passed' | 'failed' | 'error' | 'tampered';

/** A place in a source file, from a failing test's stack. */
export interface SourceFrame {
  file: string;
  line: number;
}

/** A file that differs from the kata's own version (see checker/integrity.ts). */
export interface TamperedFile {
  /** Relative to the kata's root, with forward slashes: `exercises/01-async-join/join.test.ts`. */
  file: string;
  change: 'changed' | 'missing' | 'added';
  /** The kata's version (changed, missing): its git blob id; `git show <blob>` prints it. */
  blob?: string;
}

/** One test as the runner saw it, before grading. */
export interface RawTest {
  name: string;
  /** Names of the enclosing `describe` blocks, outermost first. */
  suites: string[];
  status: TestStatus;
  message: string;
  durationMs: number;
  /** Stack frames of the failure (absolute paths), innermost first. */
  frames?: SourceFrame[];
}

export interface TestReport {
  name: string;
  step: number | null;
  status: TestStatus;
  message: string;
  durationMs: number;
  /** Where the failure happened in the learner's own file (`exercises/<id>/<file>`), when the stack says so. */
  location?: SourceFrame;
}

export interface StepReport {
  step: number;
  title: string;
  status: 'passed' | 'failed';
  points: number;
  maxPoints: number;
}

export interface ExerciseReport {
  id: string;
  title: string;
  status: ExerciseStatus;
  points: number;
  maxPoints: number;
  steps: StepReport[];
  tests: TestReport[];
  /** Why the exercise could not be graded at all (status `error`). */
  error?: string;
  /** Status `tampered`: the files that differ from the kata's, shared ones included. */
  tampered?: TamperedFile[];
  /** What the learner's code printed, for the watch screen. */
  consoleOutput?: string[];
}

const STEP = /^step (\d+)\b/i;

export function stepOf(suites: readonly string[]): number | null {
  const match = STEP.exec(suites[0] ?? '');
  return match ? Number(match[1]) : null;
}

export function grade(exercise: Exercise, tests: readonly RawTest[], loadErrors: readonly string[] = []): ExerciseReport {
  const reports: TestReport[] = tests.map((test) => {
    const report: TestReport = {
      name: test.name,
      step: stepOf(test.suites),
      status: test.status,
      message: test.message,
      durationMs: Math.round(test.durationMs),
    };
    const location = test.status === 'failed' ? learnerLocation(exercise, test.frames ?? []) : undefined;
    return location ? { ...report, location } : report;
  });
  const steps: StepReport[] = exercise.steps.map((meta, i) => {
    const inStep = reports.filter((test) => test.step === i + 1);
    const passed = inStep.length > 0 && inStep.every((test) => test.status !== 'failed');
    return { step: i + 1, title: meta.title, status: passed ? 'passed' : 'failed', points: passed ? meta.points : 0, maxPoints: meta.points };
  });
  const maxPoints = steps.reduce((sum, step) => sum + step.maxPoints, 0);
  const base = { id: exercise.id, title: exercise.title, maxPoints, tests: reports };
  if (loadErrors.length > 0 || reports.length === 0) {
    const error = loadErrors.join('\n\n') || 'No tests ran for this exercise.';
    return { ...base, status: 'error', points: 0, steps: steps.map((s) => ({ ...s, status: 'failed', points: 0 })), error };
  }
  const points = steps.reduce((sum, step) => sum + step.points, 0);
  const allPassed = steps.every((step) => step.status === 'passed') && reports.every((t) => t.status !== 'failed');
  return { ...base, status: allPassed ? 'passed' : 'failed', points, steps };
}

/**
 * The verdict of an exercise that was not run because its tests, metadata or the shared checker are
 * not the kata's own: no points, whatever the tests would say.
 */
export function tamperedReport(exercise: Exercise, files: readonly TamperedFile[]): ExerciseReport {
  const base = grade(exercise, []);
  return {
    id: base.id,
    title: base.title,
    status: 'tampered',
    points: 0,
    maxPoints: base.maxPoints,
    steps: base.steps,
    tests: [],
    tampered: [...files],
  };
}

export interface Totals {
  status: 'passed' | 'failed';
  passed: number;
  total: number;
  points: number;
  maxPoints: number;
}

/** The grade of a whole run. Every reporter takes its totals from here, so they cannot disagree. */
export function totals(reports: readonly ExerciseReport[]): Totals {
  const passed = reports.filter((report) => report.status === 'passed').length;
  return {
    status: passed === reports.length ? 'passed' : 'failed',
    passed,
    total: reports.length,
    points: reports.reduce((sum, report) => sum + report.points, 0),
    maxPoints: reports.reduce((sum, report) => sum + report.maxPoints, 0),
  };
}

/** The innermost stack frame inside one of the learner's files, as `exercises/<id>/<file>`. */
function learnerLocation(exercise: Exercise, frames: readonly SourceFrame[]): SourceFrame | undefined {
  for (const frame of frames) {
    const relative = path.relative(exercise.dir, frame.file).split(path.sep).join('/');
    if (exercise.files.includes(relative)) return { file: `exercises/${exercise.id}/${relative}`, line: frame.line };
  }
  return undefined;
}

/** The first failing test of the lowest failing step: what a learner should look at next. */
export function firstFailure(report: ExerciseReport): TestReport | undefined {
  const failing = report.tests.filter((test) => test.status === 'failed');
  return failing.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity))[0];
}
