// Turns raw test outcomes into a graded exercise: steps, points, status. Pure, so every reporter
// (table, JSON, watch screen) shows the same verdict for the same run.
import type { Exercise } from './exercises.ts';

export type TestStatus = 'passed' | 'failed' | 'skipped';
export type ExerciseStatus = 'passed' | 'failed' | 'error';

/** One test as the runner saw it, before grading. */
export interface RawTest {
  name: string;
  /** Names of the enclosing `describe` blocks, outermost first. */
  suites: string[];
  status: TestStatus;
  message: string;
  durationMs: number;
}

export interface TestReport {
  name: string;
  step: number | null;
  status: TestStatus;
  message: string;
  durationMs: number;
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
  /** What the learner's code printed, for the watch screen. */
  consoleOutput?: string[];
}

const STEP = /^step (\d+)\b/i;

export function stepOf(suites: readonly string[]): number | null {
  const match = STEP.exec(suites[0] ?? '');
  return match ? Number(match[1]) : null;
}

export function grade(exercise: Exercise, tests: readonly RawTest[], loadErrors: readonly string[] = []): ExerciseReport {
  const reports: TestReport[] = tests.map((test) => ({
    name: test.name,
    step: stepOf(test.suites),
    status: test.status,
    message: test.message,
    durationMs: Math.round(test.durationMs),
  }));
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

/** The first failing test of the lowest failing step: what a learner should look at next. */
export function firstFailure(report: ExerciseReport): TestReport | undefined {
  const failing = report.tests.filter((test) => test.status === 'failed');
  return failing.sort((a, b) => (a.step ?? Infinity) - (b.step ?? Infinity))[0];
}
