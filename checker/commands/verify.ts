import type { Context } from '../context.ts';
import { resolveExercise, type Exercise } from '../exercises.ts';
import { firstFailure, type ExerciseReport } from '../grade.ts';
import { toJsonReport } from '../report/json.ts';
import { runTarget } from '../runner.ts';
import { formatTarget, parseTarget, type Target } from '../target.ts';
import { c } from '../ui/colors.ts';
import { renderTable, rowsFromReports } from '../ui/table.ts';

export interface VerifyOptions {
  ids: string[];
  json: boolean;
  solutions: boolean;
  target: string | undefined;
}

/** `verify`: grade every exercise (never touching the learner's files); exit 0 only if all passed. */
export async function verify(ctx: Context, options: VerifyOptions): Promise<number> {
  const target: Target = options.solutions ? { kind: 'solutions' } : parseTarget(options.target);
  const exercises = options.ids.length ? options.ids.map((id) => resolveExercise(id, ctx.exercises)) : ctx.exercises;
  const reports = await gradeAndRecord(ctx, target, exercises);
  if (options.json) {
    ctx.out(JSON.stringify(toJsonReport(reports), null, 2));
  } else {
    if (target.kind !== 'exercises') ctx.out(c.dim(`Grading: ${formatTarget(target)}\n`));
    ctx.out(renderTable(rowsFromReports(exercises, reports)));
    const failing = reports.filter((report) => report.status !== 'passed');
    for (const report of failing) ctx.out(`\n${summaryLine(report)}`);
    if (failing.length === 0) ctx.out(c.green('\nEvery exercise passed.'));
  }
  return reports.every((report) => report.status === 'passed') ? 0 : 1;
}

/** Runs and, when it graded the learner's own files, records the verdicts ("done" is rechecked). */
export async function gradeAndRecord(ctx: Context, target: Target, exercises: readonly Exercise[]): Promise<ExerciseReport[]> {
  const reports = await runTarget(target, exercises);
  if (target.kind === 'exercises') {
    try {
      ctx.store.recordResults(reports);
    } catch (error) {
      ctx.err(`warning: could not save progress (${(error as Error).message}); the verdict below still stands.`);
    }
  }
  return reports;
}

export async function recheckAll(ctx: Context): Promise<ExerciseReport[]> {
  return gradeAndRecord(ctx, { kind: 'exercises' }, ctx.exercises);
}

function summaryLine(report: ExerciseReport): string {
  if (report.status === 'error') return `${c.red(report.id)}: ${firstLine(report.error ?? 'could not be tested')}`;
  const failure = firstFailure(report);
  const where = failure?.step ? `step ${failure.step}: ` : '';
  return `${c.red(report.id)}: ${where}${firstLine(failure?.message ?? 'failed')}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
