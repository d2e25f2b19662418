// Turns raw test outcomes into a graded exercise: steps, points, status. Pure, so every reporter
// (table, JSON, JUnit, GitHub Classroom, the job summary, the watch screen) shows the same verdict
// and the same points for the same run: points are computed here and nowhere else.
import path from 'node:path';
import type { Exercise } from '../exercises.ts';

/**
 * `skipped`: skipped for a reason the kata declares and the checker re-checked (one core);
 * `not run`: it never ran and passed (skipped by anything else, never reached, or a later step while
 * an earlier one fails). Only `passed` and `skipped` tests let a step earn its points.
 */
export type TestStatus = 'passed' | 'failed' | 'skipped' | 'not run';
/** `tampered`: the exercise's tests, metadata or the shared checker differ from the kata's (verify --strict). */
export type ExerciseStatus = 'passed' | 'failed' | 'error' | 'tampered';
export type StepStatus = 'passed' | 'failed' | 'not run';

/** A place in a source file, from a failing test's stack. */
export interface SourceFrame {
  file: string;
  line: number;
}

/** A file that differs from the kata's own version (see checker/grading/integrity.ts). */
export interface TamperedFile {
  /** Relative to the kata's root, with forward slashes: `exercises/01-async-join/join.test.ts`. */
  file: string;
  /** `imports-solution`: a learner's file that imports the kata's reference solution instead of being one. */
  change: 'changed' | 'missing' | 'added' | 'imports-solution';
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
  status: StepStatus;
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

export interface GradeOptions {
  /** Why the test file could not load or run (status `error`). */
  loadErrors?: readonly string[];
  /**
   * The tests the kata ships, by step (`testKey` of each), from the manifest: a step passes only if
   * exactly these ran. Undefined: not checked (an exercise the manifest does not know yet).
   */
  shipped?: Readonly<Record<string, readonly string[]>>;
  /** Only these steps were run (a known-wrong variant is judged by its own step): the others are `not run`. */
  steps?: readonly number[];
  /** The steps ran in order and stopped at the first that failed (`run`, watch mode). */
  stepFirst?: boolean;
  /** Steps the learner has not written yet: their files still throw `TODO step N` (every such throw, in file order). */
  unwritten?: ReadonlyMap<number, readonly Unwritten[]>;
}

export interface Unwritten {
  /** The learner's file, relative to the exercise: `join.ts`. */
  file: string;
  /** The stub's message: `TODO step 4: race the task against a deadline you can cancel`. */
  todo: string;
}

/** How a test is named in the manifest: the describes inside its step, then its name. */
export function testKey(test: Pick<RawTest, 'suites' | 'name'>): string {
  return [...test.suites.slice(1), test.name].join(' › ');
}

/** A test that holds up its step: it passed, or was skipped for a reason the kata declares. */
export function countsForStep(test: Pick<TestReport, 'status'>): boolean {
  return test.status === 'passed' || test.status === 'skipped';
}

export function grade(exercise: Exercise, tests: readonly RawTest[], options: GradeOptions = {}): ExerciseReport {
  const { loadErrors = [], shipped, stepFirst = false, unwritten } = options;
  const ran = new Set(options.steps ?? exercise.steps.map((_, i) => i + 1));
  const reports: TestReport[] = tests.flatMap((test) => {
    const step = stepOf(test.suites);
    if (step !== null && !ran.has(step)) return [];
    const todos = step === null || test.status !== 'failed' ? [] : (unwritten?.get(step) ?? []);
    const report: TestReport = {
      name: test.name,
      step,
      status: test.status,
      message: todos.length > 0 ? withStubNote(step ?? 0, todos, test.message) : test.message,
      durationMs: Math.round(test.durationMs),
    };
    const location = test.status === 'failed' ? learnerLocation(exercise, test.frames ?? []) : undefined;
    return [location ? { ...report, location } : report];
  });
  if (shipped) reports.push(...shipmentProblems(exercise, tests, shipped, ran));
  const passes = (step: number) => {
    const inStep = reports.filter((test) => test.step === step);
    return inStep.length > 0 && inStep.every(countsForStep);
  };
  // In step order, the learner's code stopped at the first step with a failure (or, when tests only
  // did not run, the first step that did not pass): the steps after it are not run yet.
  const ranSteps = [...ran].sort((a, b) => a - b);
  const failedStep = reports.filter((test) => test.status === 'failed' && test.step !== null).map((test) => test.step ?? 0).sort((a, b) => a - b)[0];
  const stoppedAt = stepFirst ? (failedStep ?? ranSteps.find((step) => !passes(step))) : undefined;
  const steps: StepReport[] = exercise.steps.map((meta, i) => {
    const step = i + 1;
    const base = { step, title: meta.title, points: 0, maxPoints: meta.points };
    if (!ran.has(step) || (stoppedAt !== undefined && step > stoppedAt)) return { ...base, status: 'not run' };
    return passes(step) ? { ...base, status: 'passed', points: meta.points } : { ...base, status: 'failed' };
  });
  if (stoppedAt !== undefined) {
    for (const report of reports) {
      if (report.step !== null && report.step > stoppedAt) Object.assign(report, { status: 'not run', message: `not run yet: step ${stoppedAt} fails first` });
    }
  }
  const maxPoints = steps.reduce((sum, step) => sum + step.maxPoints, 0);
  const base = { id: exercise.id, title: exercise.title, maxPoints, tests: reports };
  if (loadErrors.length > 0 || tests.length === 0) {
    const error = loadErrors.join('\n\n') || 'No tests ran for this exercise.';
    return { ...base, status: 'error', points: 0, steps: steps.map((s) => ({ ...s, status: 'failed', points: 0 })), error };
  }
  const points = steps.reduce((sum, step) => sum + step.points, 0);
  const allPassed = steps.every((step) => step.status === 'passed') && reports.every((t) => t.step !== null || t.status !== 'failed');
  return { ...base, status: allPassed ? 'passed' : 'failed', points, steps };
}

export function notWrittenYet(step: number, todo: Unwritten): string {
  return `Step ${step} is not written yet: ${todo.file} still throws "${todo.todo}". Replace that throw with your code (the lesson says what it must do; for a hint, press \`h\` in watch mode or run \`npm run kata -- hint\`).`;
}

/**
 * A failure in a step whose stub code is still somewhere in the learner's files. When the test hit
 * that throw, that is the news, first. When it failed for another reason (the learner wrote the step
 * elsewhere and this file's stub is not what broke), the test's own words come first and the stub is
 * only a note after them: leading with it would send the learner to the wrong file.
 */
function withStubNote(step: number, todos: readonly Unwritten[], message: string): string {
  const hit = todos.find((todo) => says(message, todo.todo));
  if (hit) return `${notWrittenYet(step, hit)}\n\nWhat the test saw: ${message}`;
  const todo = todos[0];
  if (!todo) return message;
  return `${message}\n\n(Note: ${todo.file} still throws "${todo.todo}", step ${step}'s stub code: if your code needs that part, it is not written yet.)`;
}

/** Whether a failure's message is that stub's throw: a template literal's `${…}` parts match anything. */
function says(message: string, todo: string): boolean {
  const parts = todo.split(/\$\{[^}]*\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(parts.join('[\\s\\S]*?')).test(message);
}

/**
 * A step counts only if exactly the kata's tests ran in it: one that never ran (deleted, renamed,
 * filtered out) or one the kata does not ship (added by a file of the learner's) is a problem.
 */
function shipmentProblems(exercise: Exercise, tests: readonly RawTest[], shipped: Readonly<Record<string, readonly string[]>>, ran: ReadonlySet<number>): TestReport[] {
  const problems: TestReport[] = [];
  exercise.steps.forEach((_, i) => {
    const step = i + 1;
    if (!ran.has(step)) return;
    const expected = shipped[String(step)] ?? [];
    const present = tests.filter((test) => stepOf(test.suites) === step).map(testKey);
    for (const name of expected.filter((key) => !present.includes(key))) {
      problems.push({
        name,
        step,
        status: 'not run',
        message: 'This test of the kata never ran: it was not in the test file when the tests ran (was it deleted, renamed or filtered out?). Every test of a step must run and pass.',
        durationMs: 0,
      });
    }
    const extra = present.filter((key) => !expected.includes(key));
    if (extra.length > 0) {
      problems.push({
        name: `only the kata's tests count in step ${step}`,
        step,
        status: 'failed',
        message: `Step ${step} ran ${extra.length === 1 ? 'a test' : `${extra.length} tests`} that the kata does not ship: ${extra.map((key) => `"${key}"`).join(', ')}. A step is graded by the kata's own tests only; remove the extra one${extra.length === 1 ? '' : 's'} (a \`describe\` or \`it\` in one of your files?).`,
        durationMs: 0,
      });
    }
  });
  return problems;
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

/** A test that keeps its step from earning points: failed, or never ran (but not "not run yet"). */
export function isFailing(test: TestReport, report: ExerciseReport): boolean {
  if (test.status === 'failed') return true;
  if (test.status !== 'not run') return false;
  return report.steps.find((step) => step.step === test.step)?.status === 'failed' || test.step === null;
}

/** The first failing test of the lowest failing step: what a learner should look at next. */
export function firstFailure(report: ExerciseReport): TestReport | undefined {
  const failing = report.tests.filter((test) => isFailing(test, report));
  // A test that failed says more than one that never ran (its result lost with a crashed process).
  const rank = (test: TestReport) => (test.status === 'failed' ? 0 : 1e6) + (test.step ?? 1e3);
  return failing.sort((a, b) => rank(a) - rank(b))[0];
}
