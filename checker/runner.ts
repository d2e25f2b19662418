// The exercise runner: runs exercise tests through vitest's Node API under a chosen target and turns
// vitest's test tree into graded reports. One-shot runs (verify, run, self-tests) and the long-lived
// watch session share the collection code below.
import path from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import type { PoolRunnerInitializer, Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import { grade, type ExerciseReport, type RawTest } from './grade.ts';
import type { Exercise } from './exercises.ts';
import { kataProject } from './kata-project.ts';
import { ROOT } from './paths.ts';
import { formatTarget, type Target } from './target.ts';

export interface RunRequest {
  target: Target;
  exercises: readonly Exercise[];
  /** Run only the tests whose full name matches (a variant is judged by its own step alone). */
  testNamePattern?: RegExp;
}

type SerializedError = Parameters<NonNullable<Reporter['onTestRunEnd']>>[1][number];

/**
 * Runs each request's exercises against its target, all in one vitest instance (one project per
 * target, one test file at a time), and grades them: one list of reports per request, in order.
 */
export async function runExercises(requests: readonly RunRequest[]): Promise<ExerciseReport[][]> {
  const collector = new Collector();
  const vitest = await createKataVitest(requests, collector, false);
  try {
    const specs = await vitest.globTestSpecifications();
    const wanted = specs.filter((spec) =>
      requests.some(
        (request) =>
          spec.project.name === formatTarget(request.target) &&
          request.exercises.some((exercise) => isInside(spec.moduleId, exercise.dir)),
      ),
    );
    await vitest.runTestSpecifications(wanted, false);
  } finally {
    await vitest.close();
  }
  return requests.map((request) =>
    request.exercises.map((exercise) => collector.report(formatTarget(request.target), exercise)),
  );
}

/** Grades one target: the common case (verify, run). */
export async function runTarget(target: Target, exercises: readonly Exercise[]): Promise<ExerciseReport[]> {
  const [reports = []] = await runExercises([{ target, exercises }]);
  return reports;
}

/**
 * A vitest instance with one `kata` project per target, silenced: every word the learner sees is ours.
 * `pool` replaces vitest's own process pool (watch mode keeps the next test process warm).
 */
export async function createKataVitest(
  requests: ReadonlyArray<Pick<RunRequest, 'target' | 'testNamePattern'>>,
  reporter: Reporter,
  watch: boolean,
  pool?: PoolRunnerInitializer,
): Promise<Vitest> {
  const unique = [...new Map(requests.map((request) => [formatTarget(request.target), request])).values()];
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  // Loaded on first use: vitest takes most of a second to import, and `list` or `hint` never need it.
  const { createVitest } = await import('vitest/node');
  return createVitest(
    'test',
    {
      watch,
      config: false,
      root: ROOT,
      reporters: [reporter],
      fileParallelism: false,
      maxWorkers: 1,
      projects: unique.map(({ target, testNamePattern }) => {
        const project = kataProject(target);
        return { ...project, test: { ...project.test, ...(pool ? { pool } : {}), ...(testNamePattern ? { testNamePattern } : {}) } };
      }),
    },
    {},
    { stdout: quiet, stderr: quiet },
  );
}

export function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return !relative.startsWith('..') && !path.isAbsolute(relative);
}

/**
 * A vitest reporter that keeps what grading needs: each test's outcome, load errors, unhandled
 * errors and the learner's console output, per exercise. It survives reruns in watch mode.
 */
export class Collector implements Reporter {
  private tests = new Map<string, RawTest[]>();
  private errors = new Map<string, string[]>();
  /** What the learner's code printed in the latest run, by the vitest task (test or module) that printed it. */
  private logs: Array<{ taskId: string | undefined; content: string }> = [];
  /** Every task id (module, suites, tests) of a module, to find whose output a log line is. */
  private taskIds = new Map<string, Set<string>>();
  private modules: TestModule[] = [];
  private unhandled: SerializedError[] = [];
  onRunEnd?: (modules: readonly TestModule[]) => void;

  onTestRunStart(): void {
    this.logs = [];
  }

  onUserConsoleLog(log: { content: string; taskId?: string }): void {
    this.logs.push({ taskId: log.taskId, content: log.content.replace(/\n$/, '') });
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    this.modules = [...testModules];
    this.unhandled = [...unhandledErrors];
    for (const module of testModules) {
      const key = moduleKey(module.project.name, module.moduleId);
      this.tests.set(key, [...module.children.allTests()].map(rawTest));
      this.errors.set(key, module.errors().map(formatError));
      const ids = new Set([module.id, ...[...module.children.allSuites()].map((suite) => suite.id)]);
      for (const test of module.children.allTests()) ids.add(test.id);
      this.taskIds.set(key, ids);
    }
    this.onRunEnd?.(this.modules);
  }

  report(project: string, exercise: Exercise): ExerciseReport {
    const modules = [...this.tests.keys()].filter((key) => {
      const [name, id = ''] = splitKey(key);
      return name === project && isInside(id, exercise.dir);
    });
    const tests = modules.flatMap((id) => this.tests.get(id) ?? []);
    const loadErrors = modules.flatMap((id) => this.errors.get(id) ?? []);
    // Unhandled errors belong to the exercise whose test file was running, when vitest says which.
    const unhandled = this.unhandled.filter((error) => {
      const file = typeof error.VITEST_TEST_PATH === 'string' ? error.VITEST_TEST_PATH : undefined;
      return file === undefined ? modules.length > 0 : isInside(path.resolve(ROOT, file), exercise.dir);
    });
    for (const error of unhandled) {
      tests.push({
        name: 'no unhandled errors',
        suites: [],
        status: 'failed',
        message: `Something failed outside any test (an unhandled rejection or error thrown in a callback):\n${formatError(error)}`,
        durationMs: 0,
      });
    }
    const report = grade(exercise, tests, modules.length === 0 ? [] : loadErrors);
    const ids = modules.map((key) => this.taskIds.get(key) ?? new Set<string>());
    const consoleOutput = this.logs
      .filter((log) => log.taskId !== undefined && ids.some((set) => set.has(log.taskId ?? '')))
      .map((log) => log.content);
    return consoleOutput?.length ? { ...report, consoleOutput } : report;
  }
}

function moduleKey(project: string, moduleId: string): string {
  return `${project}\0${moduleId}`;
}

function splitKey(key: string): [string, string | undefined] {
  const [project = '', moduleId] = key.split('\0');
  return [project, moduleId];
}

function rawTest(test: TestCase): RawTest {
  const suites: string[] = [];
  for (let parent = test.parent; parent.type === 'suite'; parent = parent.parent) suites.unshift(parent.name);
  const result = test.result();
  const status = result.state === 'failed' ? 'failed' : result.state === 'passed' ? 'passed' : 'skipped';
  const message =
    result.state === 'failed'
      ? (result.errors ?? []).map(formatError).join('\n\n')
      : result.state === 'skipped' && result.note
        ? result.note
        : '';
  const raw: RawTest = { name: test.name, suites, status, message, durationMs: test.diagnostic()?.duration ?? 0 };
  if (result.state !== 'failed') return raw;
  // Kept so reporters can point at the line of the learner's file that failed (CI annotations).
  const frames = (result.errors ?? []).flatMap((error) => error.stacks ?? []).map(({ file, line }) => ({ file, line }));
  return frames.length ? { ...raw, frames } : raw;
}

export function formatError(error: SerializedError & { diff?: string }): string {
  const name = error.name && !['Error', 'KataError'].includes(error.name) ? `${error.name}: ` : '';
  const diff = typeof error.diff === 'string' && error.diff ? `\n${error.diff}` : '';
  return stripVTControlCharacters(`${name}${error.message}${diff}`).trim();
}
