import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { UsageError } from '../cli-args.ts';
import type { Context } from '../context.ts';
import { resolveExercise, type Exercise } from '../exercises.ts';
import { firstFailure, tamperedReport, totals, type ExerciseReport } from '../grading/grade.ts';
import { checkIntegrity, explainTampered, manifestAt, tamperedFilesOf } from '../grading/integrity.ts';
import { isAsShipped } from '../grading/pristine.ts';
import { ROOT, SOLUTIONS_DIR } from '../paths.ts';
import { toJsonReport } from '../report/json.ts';
import { runTarget, type RunOptions } from '../running/runner.ts';
import { formatTarget, parseTarget, type Target } from '../running/target.ts';
import { c } from '../ui/colors.ts';
import { renderTable, rowsFromReports } from '../ui/table.ts';

export interface VerifyOptions {
  ids: string[];
  json: boolean;
  solutions: boolean;
  target: string | undefined;
  /** Also write the verdict as JUnit XML to this file. */
  junit?: string | undefined;
  /** Print GitHub Classroom's result document instead of the table (and set the step output `result`). */
  classroom?: boolean;
  /** Check that tests, checker and configuration are the kata's own; default: on when CI is set. */
  strict?: boolean | undefined;
  /** Also write exercism's results.json (version 3) to this file. */
  results?: string | undefined;
  /** Strict grading trusts the manifest of this git commit (the kata as the learner got it), not the working tree's. */
  base?: string | undefined;
}

/** `verify`: grade every exercise (never touching the learner's files); exit 0 only if all passed. */
export async function verify(ctx: Context, options: VerifyOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (options.json && options.classroom) {
    throw new UsageError('--json and --classroom each print one document on stdout: choose one (--junit FILE combines with either).');
  }
  const target: Target = options.solutions ? { kind: 'solutions' } : parseTarget(options.target);
  const exercises = options.ids.length ? options.ids.map((id) => resolveExercise(id, ctx.exercises)) : ctx.exercises;
  const strict = options.strict ?? isCi(env);
  if (strict && target.kind !== 'exercises') {
    throw new UsageError(
      `Strict grading grades the learner's own files only; it will not grade ${formatTarget(target)}${options.strict === undefined ? ' (it is on because CI is set)' : ''}. Add --no-strict to grade ${formatTarget(target)}.`,
    );
  }
  if (options.base && !strict) throw new UsageError('--base is for strict grading: it names the commit whose manifest the grade trusts.');
  if (target.kind === 'solutions' && !existsSync(SOLUTIONS_DIR)) {
    throw new UsageError('This copy of the kata has no reference solutions (solutions/ is not here): there is nothing to grade with --solutions.');
  }
  // Read before grading writes it: in CI there is usually no progress file, and "0 hints" would be a guess.
  const hadProgress = existsSync(ctx.store.file);
  const reports = strict ? await gradeStrictly(ctx, target, exercises, options.base) : await gradeAndRecord(ctx, target, exercises);
  const graded = formatTarget(target);

  // The graders' formats are loaded only when asked for: the checker's own start-up time counts.
  if (options.junit) {
    const { toJunitXml } = await import('../report/junit.ts');
    writeFileAtomic.sync(path.resolve(options.junit), toJunitXml(reports, graded));
  }
  if (options.results) {
    const { toResults } = await import('../report/results.ts');
    writeFileAtomic.sync(path.resolve(options.results), `${JSON.stringify(toResults(reports, graded), null, 2)}\n`);
  }
  if (env.GITHUB_ACTIONS === 'true') await reportToGithub(ctx, reports, env, hadProgress, graded);
  if (options.classroom) {
    const { classroomOutputLine, toClassroomResult } = await import('../report/classroom.ts');
    const result = toClassroomResult(reports, graded);
    ctx.out(JSON.stringify(result, null, 2));
    // The step output `result` is what the grading reporter action reads (`steps.<id>.outputs.result`).
    if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, classroomOutputLine(result));
  } else if (options.json) {
    ctx.out(JSON.stringify(toJsonReport(reports, graded), null, 2));
  } else {
    printTable(ctx, target, exercises, reports, strict);
  }
  return totals(reports).status === 'passed' ? 0 : 1;
}

/** `CI=true` (GitHub Actions, GitLab, most CI services) turns strict grading on. */
function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * Grades only the exercises whose tests, metadata and shared checker are the kata's own; the others
 * are not run at all (edited tests say nothing about the learner's code) and get no points.
 */
async function gradeStrictly(ctx: Context, target: Target, exercises: readonly Exercise[], base: string | undefined): Promise<ExerciseReport[]> {
  const integrity = checkIntegrity(ctx.exercises, base ? manifestAt(base) : {});
  const untouched = exercises.filter((exercise) => tamperedFilesOf(integrity, exercise.id).length === 0);
  const graded = untouched.length > 0 ? await gradeAndRecord(ctx, target, untouched) : [];
  return exercises.map((exercise) => {
    const files = tamperedFilesOf(integrity, exercise.id);
    return files.length > 0 ? tamperedReport(exercise, files) : (graded.find((report) => report.id === exercise.id) ?? tamperedReport(exercise, []));
  });
}

/** Runs and, when it graded the learner's own files, records the verdicts ("done" is rechecked). */
export async function gradeAndRecord(ctx: Context, target: Target, exercises: readonly Exercise[], options: RunOptions = {}): Promise<ExerciseReport[]> {
  const reports = await runTarget(target, exercises, options);
  if (target.kind === 'exercises') ctx.store.recordResults(reports);
  return reports;
}

/**
 * After a damaged progress file: the exercises whose "done" it lost and only their tests can tell. One
 * whose files are still exactly the stubs the kata shipped is not done (every stub fails its tests: the
 * kata's proof checks that), so it needs no run; the learner has usually touched only a few.
 */
export function exercisesToRecheck(ctx: Pick<Context, 'exercises' | 'store'>): Exercise[] {
  return ctx.exercises.filter((exercise) => {
    if (!ctx.store.needsRecheck(exercise.id)) return false;
    const shipped = exercise.files.every((file) => isAsShipped(path.relative(ROOT, path.join(exercise.dir, file)).split(path.sep).join('/')));
    if (shipped) ctx.store.settle(exercise.id);
    return !shipped;
  });
}

async function reportToGithub(ctx: Context, reports: readonly ExerciseReport[], env: NodeJS.ProcessEnv, hadProgress: boolean, graded: string): Promise<void> {
  const { annotations, jobSummary, workflowCommand } = await import('../report/github.ts');
  const readSource = (file: string) => {
    try {
      return readFileSync(path.join(ROOT, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  for (const annotation of annotations(reports, ctx.exercises, readSource)) process.stderr.write(workflowCommand(annotation));
  if (env.GITHUB_STEP_SUMMARY) {
    appendFileSync(env.GITHUB_STEP_SUMMARY, jobSummary(reports, hadProgress ? (id) => ctx.store.entry(id) : undefined, graded));
  }
}

function printTable(ctx: Context, target: Target, exercises: readonly Exercise[], reports: readonly ExerciseReport[], strict: boolean): void {
  if (target.kind !== 'exercises') ctx.out(c.dim(`Grading: ${formatTarget(target)}\n`));
  ctx.out(renderTable(rowsFromReports(exercises, reports), ctx.exercises.length));
  const failing = reports.filter((report) => report.status !== 'passed');
  // A changed shared file taints every exercise with the same explanation: print it once.
  const explained = new Set<string>();
  for (const report of failing) {
    const line = summaryLine(report);
    if (!explained.has(line)) ctx.out(`\n${line}`);
    explained.add(line);
  }
  if (failing.length === 0) ctx.out(c.green(`\n${passedLine(exercises.length, ctx.exercises.length)}`));
  if (strict && !reports.some((report) => report.status === 'tampered')) {
    ctx.out(c.dim("\nStrict: the tests, metadata, checker and vitest configuration are the kata's own."));
  }
}

function summaryLine(report: ExerciseReport): string {
  if (report.status === 'tampered') return `${c.red('tampered')}: ${explainTampered(report.tampered ?? [])}`;
  if (report.status === 'error') return `${c.red(report.id)}: ${firstLine(report.error ?? 'could not be tested')}`;
  const failure = firstFailure(report);
  const where = failure?.step ? `step ${failure.step}: ` : '';
  return `${c.red(report.id)}: ${where}${firstLine(failure?.message ?? 'failed')}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function passedLine(graded: number, kataSize: number): string {
  if (graded === kataSize) return 'Every exercise passed.';
  return graded === 1 ? 'The exercise graded passed.' : `All ${graded} exercises graded passed.`;
}
