// The exercise runner: runs exercise tests through vitest's Node API against chosen targets and turns
// vitest's test tree into graded reports. One-shot runs (verify, run, the kata's own proof) and the
// long-lived watch session share the collection code below.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import type { Reporter, TestCase, TestModule, TestSpecification, Vitest } from 'vitest/node';
import { grade, stepOf, testKey, type ExerciseReport, type RawTest, type Unwritten } from '../grading/grade.ts';
import type { Exercise } from '../exercises.ts';
import { judgeSkip } from '../harness/checks/declared-skips.ts';
import { explainNodeError } from '../harness/words/node-errors.ts';
import { kataPool, type Incident, type KataPool } from './kata-pool.ts';
import { kataProject } from './kata-project.ts';
import { ROOT, isInside, isTestFile } from '../paths.ts';
import { readManifest, type Manifest } from '../grading/pristine.ts';
import { formatTarget, parseTargetedId, targetedId, type Target } from './target.ts';

export interface RunRequest {
  target: Target;
  exercises: readonly Exercise[];
  /** Only these steps (a known-wrong variant is judged by its own step); undefined: every step. */
  steps?: readonly number[];
  /** Stop once a test fails with a message containing this (a known-wrong variant, once its mistake is named). */
  bailOn?: string;
}

export interface RunOptions {
  /** Run the steps in order and stop at the first that fails (`run`, watch mode). */
  stepFirst?: boolean;
  /**
   * One test process per exercise, every request for it in that process one after the other (the
   * kata's own proof: process and import start-up are paid once per exercise, not once per target).
   */
  sharedProcess?: boolean;
}

type SerializedError = Parameters<NonNullable<Reporter['onTestRunEnd']>>[1][number];

/** Runs every request and grades it: one list of reports per request, in order. */
export async function runExercises(requests: readonly RunRequest[], options: RunOptions = {}): Promise<ExerciseReport[][]> {
  const pool = kataPool();
  const collector = new Collector(pool, options);
  const projects = options.sharedProcess ? proofProjects(requests) : targetProjects(requests);
  const vitest = await createKataVitest(projects, collector, { watch: false, pool, stepFirst: options.stepFirst ?? false });
  try {
    const specs = requests.flatMap((request) =>
      request.exercises.flatMap((exercise) => {
        const project = vitest.projects.find((candidate) => candidate.name === projectFor(request, exercise, options));
        return project ? specsFor(project, request, exercise) : [];
      }),
    );
    await vitest.runTestSpecifications(specs, false);
  } finally {
    await vitest.close();
    pool.dispose();
  }
  return requests.map((request) => request.exercises.map((exercise) => collector.report(request, exercise)));
}

/** Grades one target: the common case (verify, run). */
export async function runTarget(target: Target, exercises: readonly Exercise[], options: RunOptions = {}): Promise<ExerciseReport[]> {
  const [reports = []] = await runExercises([{ target, exercises }], options);
  return reports;
}

/**
 * The tests each exercise ships, by step, as the manifest lists them (`testKey` names): collected,
 * not run, from the test files as they are now.
 */
export async function collectTestNames(exercises: readonly Exercise[]): Promise<Record<string, Record<string, string[]>>> {
  const pool = kataPool();
  const collector = new Collector(pool, {});
  const vitest = await createKataVitest([{ name: 'exercises', target: { kind: 'exercises' }, shared: false }], collector, { watch: false, pool, stepFirst: false });
  const names: Record<string, Record<string, string[]>> = {};
  try {
    const [project] = vitest.projects;
    const specs = project ? exercises.flatMap((exercise) => testFilesOf(exercise).map((file) => project.createSpecification(file))) : [];
    const { testModules } = await vitest.collectTests(specs);
    for (const module of testModules) {
      const errors = module.errors();
      if (errors.length > 0) throw new Error(`${path.relative(ROOT, module.moduleId)} could not be collected: ${errors.map(formatError).join('; ')}`);
      const exercise = exercises.find((candidate) => isInside(module.moduleId, candidate.dir));
      if (!exercise) continue;
      const steps = (names[exercise.id] ??= {});
      for (const test of module.children.allTests()) {
        const raw = rawTest(test);
        const step = stepOf(raw.suites);
        if (step !== null) (steps[String(step)] ??= []).push(testKey(raw));
      }
    }
  } finally {
    await vitest.close();
    pool.dispose();
  }
  return names;
}

export interface ProjectSpec {
  name: string;
  /** The target of every test file run in it without a target of its own. */
  target: Target;
  /** Every file in one process, one after the other (the proof). */
  shared: boolean;
}

function projectFor(request: RunRequest, exercise: Exercise, options: RunOptions): string {
  return options.sharedProcess ? `proof:${exercise.id}` : formatTarget(request.target);
}

function targetProjects(requests: readonly RunRequest[]): ProjectSpec[] {
  const targets = new Map(requests.map((request) => [formatTarget(request.target), request.target]));
  return [...targets].map(([name, target]) => ({ name, target, shared: false }));
}

function proofProjects(requests: readonly RunRequest[]): ProjectSpec[] {
  const ids = [...new Set(requests.flatMap((request) => request.exercises.map((exercise) => exercise.id)))];
  return ids.map((id) => ({ name: `proof:${id}`, target: { kind: 'exercises' }, shared: true }));
}

/** The test files of an exercise, as specifications of `project` for this request's target and steps. */
function specsFor(project: Vitest['projects'][number], request: RunRequest, exercise: Exercise): TestSpecification[] {
  // A project of its own target needs no target in the id; a shared (proof) project always does.
  const own = formatTarget(request.target) === project.name;
  return testFilesOf(exercise).map((file) =>
    project.createSpecification(
      targetedId({
        file,
        ...(!own ? { target: request.target } : {}),
        ...(request.steps ? { steps: [...request.steps] } : {}),
        ...(request.bailOn ? { bailOn: request.bailOn } : {}),
      }),
    ),
  );
}

/** The exercise's test files as they are now (read at every run: a learner may have deleted one), in name order. */
export function testFilesOf(exercise: Exercise): string[] {
  if (!existsSync(exercise.dir)) return [];
  return readdirSync(exercise.dir)
    .filter(isTestFile)
    .sort()
    .map((file) => path.join(exercise.dir, file));
}

export interface KataVitestOptions {
  watch: boolean;
  pool: KataPool;
  stepFirst: boolean;
}

/** A vitest instance with the given projects, silenced: every word the learner sees is ours. */
export async function createKataVitest(projects: readonly ProjectSpec[], reporter: Collector, options: KataVitestOptions): Promise<Vitest> {
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  reporter.knowProjects(projects);
  // Loaded on first use: vitest takes most of a second to import, and `list` or `hint` never need it.
  const { createVitest } = await import('vitest/node');
  return createVitest(
    'test',
    {
      watch: options.watch,
      config: false,
      root: ROOT,
      reporters: [reporter],
      fileParallelism: false,
      maxWorkers: 1,
      projects: projects.map(({ name, target, shared }) => {
        const project = kataProject(target, name, { stepFirst: options.stepFirst });
        return { ...project, test: { ...project.test, pool: options.pool, isolate: !shared } };
      }),
    },
    {},
    { stdout: quiet, stderr: quiet },
  );
}


interface ModuleRecord {
  target: string;
  file: string;
  tests: RawTest[];
  errors: string[];
  /** Every task id (module, suites, tests) of the module, to find whose output a log line is. */
  taskIds: Set<string>;
}

/**
 * A vitest reporter that keeps what grading needs: each test's outcome, load errors, unhandled
 * errors, what happened to test processes (the watchdog) and the learner's console output, per test
 * file and target. It survives reruns in watch mode.
 */
export class Collector implements Reporter {
  private modules = new Map<string, ModuleRecord>();
  /** What the learner's code printed in the latest run, by the vitest task (test or module) that printed it. */
  private logs: Array<{ taskId: string | undefined; content: string }> = [];
  private unhandled: SerializedError[] = [];
  private projectTargets = new Map<string, string>();
  private manifest: Manifest | undefined | null = null;
  onRunEnd?: (modules: readonly TestModule[]) => void;

  constructor(
    private readonly pool: KataPool,
    private readonly options: RunOptions,
  ) {}

  knowProjects(projects: readonly ProjectSpec[]): void {
    for (const project of projects) this.projectTargets.set(project.name, formatTarget(project.target));
  }

  onTestRunStart(): void {
    this.logs = [];
  }

  onUserConsoleLog(log: { content: string; taskId?: string }): void {
    this.logs.push({ taskId: log.taskId, content: log.content.replace(/\n$/, '') });
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const incidents = this.pool.takeIncidents();
    this.unhandled = unhandledErrors.filter((error) => !(incidents.length > 0 && /\[vitest-pool\]: Worker .* emitted error/.test(error.message)));
    for (const module of testModules) {
      const { file, target } = parseTargetedId(module.moduleId);
      const record: ModuleRecord = {
        target: target ? formatTarget(target) : (this.projectTargets.get(module.project.name) ?? 'exercises'),
        file,
        tests: [...module.children.allTests()].map(rawTest),
        errors: module.errors().map(formatError),
        taskIds: new Set([module.id, ...[...module.children.allSuites()].map((suite) => suite.id), ...[...module.children.allTests()].map((test) => test.id)]),
      };
      const incident = incidents.find((candidate) => candidate.files.includes(module.moduleId));
      if (incident) applyIncident(record, incident);
      this.modules.set(`${record.target}\0${record.file}`, record);
    }
    this.onRunEnd?.(testModules);
  }

  report(request: RunRequest, exercise: Exercise): ExerciseReport {
    const target = formatTarget(request.target);
    // A test file deleted since it last ran has no verdict any more.
    const records = [...this.modules.values()].filter((record) => record.target === target && isInside(record.file, exercise.dir) && existsSync(record.file));
    const tests = records.flatMap((record) => record.tests);
    const loadErrors = records.flatMap((record) => record.errors);
    const files = new Set(records.map((record) => record.file));
    // Unhandled errors belong to the test file that was running, when vitest says which.
    const unhandled = this.unhandled.filter((error) => {
      const where = typeof error.VITEST_TEST_PATH === 'string' ? parseTargetedId(path.resolve(ROOT, error.VITEST_TEST_PATH)) : undefined;
      if (!where) return records.length > 0;
      return files.has(where.file) && (where.target ? formatTarget(where.target) : target) === target;
    });
    for (const error of unhandled) chargeUnhandled(tests, error);
    const missing = records.length === 0 && testFilesOf(exercise).length === 0;
    const report = grade(exercise, tests, {
      loadErrors: missing ? [missingTests(exercise)] : records.length === 0 ? [] : loadErrors,
      ...this.shipped(exercise),
      ...(request.steps ? { steps: request.steps } : {}),
      stepFirst: this.options.stepFirst ?? false,
      unwritten: request.target.kind === 'exercises' ? unwrittenSteps(exercise) : new Map(),
    });
    const ids = records.map((record) => record.taskIds);
    const consoleOutput = this.logs
      .filter((log) => log.taskId !== undefined && ids.some((set) => set.has(log.taskId ?? '')))
      .map((log) => log.content);
    return consoleOutput.length ? { ...report, consoleOutput } : report;
  }

  /** The tests the kata ships for this exercise, from the manifest (read once). */
  private shipped(exercise: Exercise): { shipped?: Readonly<Record<string, readonly string[]>> } {
    if (this.manifest === null) {
      try {
        this.manifest = readManifest();
      } catch {
        this.manifest = undefined;
      }
    }
    const tests = this.manifest?.tests?.[exercise.id];
    return tests ? { shipped: tests } : {};
  }
}

/**
 * An unhandled rejection (or an error thrown in a callback) fails the test that was running when it
 * happened, so its step earns nothing, and the message says which test that was. Vitest names the
 * running test; between tests (or when two tests share the name) it fails the exercise outside any step.
 */
function chargeUnhandled(tests: RawTest[], error: SerializedError): void {
  const what = formatError(error);
  const name = typeof error.VITEST_TEST_NAME === 'string' ? error.VITEST_TEST_NAME : undefined;
  const running = name === undefined ? [] : tests.flatMap((test, i) => (test.name === name ? [i] : []));
  const index = running.length === 1 ? running[0] : undefined;
  const test = index === undefined ? undefined : tests[index];
  if (index === undefined || !test) {
    tests.push({
      name: 'no unhandled errors',
      suites: [],
      status: 'failed',
      message: `Something failed outside any test (an unhandled rejection or error thrown in a callback):\n${what}`,
      durationMs: 0,
    });
    return;
  }
  const news = [
    'While this test ran, a promise rejected with nobody listening for it (or a callback threw), so the error reached no caller:',
    what,
    ...whereItWas(error.stack, 'The error was made here:'),
    'Every promise your code starts must be awaited or returned, or have its rejection handled; this step earns nothing until none is left unhandled.',
  ].join('\n');
  const message = test.status === 'failed' ? `${test.message}\n\n${news}` : news;
  tests[index] = { ...test, status: 'failed', message };
}

function missingTests(exercise: Exercise): string {
  const dir = path.relative(ROOT, exercise.dir).split(path.sep).join('/');
  return `The tests of this exercise are missing: there is no *.test.ts file in ${dir}. Put them back with \`git checkout -- ${dir}\` (your own files there are kept).`;
}

/** The watchdog stopped this test file's process, or it died: say what happened, in the test that ran. */
function applyIncident(record: ModuleRecord, incident: Incident): void {
  const running = incident.test && parseTargetedId(incident.test.file).file === record.file ? incident.test.path : undefined;
  const isRunning = (test: RawTest) => running !== undefined && [...test.suites, test.name].join('\0') === running.join('\0');
  const what = describeIncident(incident);
  const ended = incident.kind === 'blocked' ? 'was stopped' : 'ended';
  const during = running ? `"${running.at(-1) ?? ''}"` : 'another test';
  const finished = new Map((incident.finished ?? []).filter((test) => parseTargetedId(test.file).file === record.file).map((test) => [test.path.join('\0'), test]));
  let found = false;
  for (const test of record.tests) {
    if (test.status === 'passed' || test.status === 'failed' || test.status === 'skipped') continue;
    // It finished before the process ended; the runner wrote its outcome down on the spot.
    const outcome = finished.get([...test.suites, test.name].join('\0'));
    if (outcome) {
      Object.assign(test, { status: outcome.state === 'pass' ? 'passed' : 'failed', message: outcome.message });
      continue;
    }
    if (isRunning(test)) {
      found = true;
      Object.assign(test, { status: 'failed', message: what });
    } else {
      // Before the running test: it ran, but its result was still on its way when the process ended.
      const message = found ? `It never ran: the test process ${ended} while ${during} ran.` : `Its result was lost: the test process ${ended} while ${during} ran.`;
      Object.assign(test, { status: 'not run', message });
    }
  }
  // Nothing was running a test: it happened while the file (and the learner's code) was loading.
  if (!found) record.errors.push(what);
}

function describeIncident(incident: Incident): string {
  if (incident.kind === 'blocked') {
    const seconds = Math.round((incident.blockedMs ?? 0) / 1000);
    return [
      `The event loop was blocked for ${seconds} s while this test ran, so the checker stopped the test process.`,
      'Something your code ran never gave the event loop back: a loop that never ends, or a wait nobody wakes up (Atomics.wait on the main thread, a lock that is never released).',
      ...whereItWas(incident.where),
    ].join('\n');
  }
  const how = incident.signal ? `was killed by ${incident.signal}` : `exited with code ${incident.exitCode ?? '?'}`;
  return [
    `The test process ${how} while this test ran, so it and the tests after it could not finish.`,
    'Did your code end the process (process.exit()), or run out of memory (a list or a buffer that grows without end)?',
  ].join('\n');
}

/** The frames of the kata's files (not Node's, not vitest's), relative to the kata, at most five. */
function whereItWas(stack: string | undefined, heading = 'It was busy here:'): string[] {
  if (!stack) return [];
  const frames = stack
    .split('\n')
    .filter((line) => /^\s*at /.test(line) && !line.includes('(eval at') && line.includes(ROOT) && !line.includes('node_modules') && !line.includes(`${path.sep}checker${path.sep}`))
    .map((line) => line.replace(`${ROOT}${path.sep}`, '').replace(/file:\/\//, '').replace(/\?[^:)]*/, '').trim())
    .slice(0, 5);
  return frames.length ? [heading, ...frames.map((frame) => `  ${frame}`)] : [];
}

const TODO = /throw new Error\(\s*(['"`])(TODO step (\d+)\b[^'"`]*)\1/g;

/** Steps whose stub code is still there: the learner's files still throw the stub's `TODO step N` (each such throw, in file order). */
export function unwrittenSteps(exercise: Exercise): Map<number, Unwritten[]> {
  const found = new Map<number, Unwritten[]>();
  for (const file of exercise.files) {
    const absolute = path.join(exercise.dir, file);
    if (!existsSync(absolute)) continue;
    for (const match of readFileSync(absolute, 'utf8').matchAll(TODO)) {
      const step = Number(match[3]);
      found.set(step, [...(found.get(step) ?? []), { file, todo: match[2] ?? '' }]);
    }
  }
  return found;
}

function rawTest(test: TestCase): RawTest {
  const suites: string[] = [];
  for (let parent = test.parent; parent.type === 'suite'; parent = parent.parent) suites.unshift(parent.name);
  const result = test.result();
  const base = { name: test.name, suites, durationMs: test.diagnostic()?.duration ?? 0 };
  switch (result.state) {
    case 'passed':
      return { ...base, status: 'passed', message: '' };
    case 'failed': {
      const raw: RawTest = { ...base, status: 'failed', message: (result.errors ?? []).map(formatError).join('\n\n') };
      // Kept so reporters can point at the line of the learner's file that failed (CI annotations).
      const frames = (result.errors ?? []).flatMap((error) => error.stacks ?? []).map(({ file, line }) => ({ file, line }));
      return frames.length ? { ...raw, frames } : raw;
    }
    case 'skipped': {
      const verdict = judgeSkip(result.note);
      if (verdict.declared) return { ...base, status: 'skipped', message: verdict.explanation };
      return {
        ...base,
        status: 'not run',
        message: `This test was skipped${result.note ? ` ("${result.note}")` : ''}, and not for a reason the kata declares: something skipped it (a \`.skip\`, an \`.only\` elsewhere, a \`ctx.skip()\` in a file of yours). A step earns its points only when every one of its tests ran and passed.`,
      };
    }
    default:
      return { ...base, status: 'not run', message: 'It never ran: the test process ended before it.' };
  }
}

export function formatError(error: SerializedError & { diff?: string }): string {
  const name = error.name && !['Error', 'KataError'].includes(error.name) ? `${error.name}: ` : '';
  const diff = typeof error.diff === 'string' && error.diff ? `\n${error.diff}` : '';
  // Only an error that reaches the verdict raw: a test's own failure (a KataError, an assertion) already says what it means for this test.
  const explained = ['KataError', 'AssertionError'].includes(error.name ?? '') ? undefined : explainNodeError(error.message);
  return stripVTControlCharacters(`${name}${explainTimeout(error.message)}${explained ? `\n${explained}` : ''}${diff}`).trim();
}

/** Vitest's own words ("pass a timeout value as the last argument") help a test's author, not a learner. */
function explainTimeout(message: string): string {
  const match = /^(Test|Hook) timed out in (\d+)ms\.[\s\S]*$/.exec(message);
  if (!match) return message;
  const seconds = Math.round(Number(match[2]) / 1000);
  const what = match[1] === 'Hook' ? 'Setting up this test' : 'This test';
  return [
    `${what} waited ${seconds} s for your code to finish, and it had not finished by then.`,
    'Most often something it awaits never settles: a promise nobody resolves or rejects (a resolve that is never called, a wake-up that never comes), or work that never ends.',
    'On a machine whose every core is busy with other work, a right answer can also be that slow: if so, run it again when the machine is quieter.',
  ].join('\n');
}
