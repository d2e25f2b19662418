import type { Context } from '../context.ts';
import { currentExercise } from '../context.ts';
import { renderTable, type TableRow } from '../ui/table.ts';
import { exercisesToRecheck, gradeAndRecord } from './verify.ts';

/** `list`: every exercise with its recorded status. What a damaged progress file lost is rechecked first. */
export async function list(ctx: Context): Promise<number> {
  const recheck = exercisesToRecheck(ctx);
  if (recheck.length > 0) {
    ctx.err(`Rechecking ${recheck.map((exercise) => exercise.id).join(', ')} to rebuild your progress…`);
    // Up to the first failing step of each: enough to know whether it is done, and which step to hint.
    await gradeAndRecord(ctx, { kind: 'exercises' }, recheck, { stepFirst: true });
  }
  ctx.out(renderTable(progressRows(ctx)));
  return 0;
}

export function progressRows(ctx: Pick<Context, 'exercises' | 'store'>): TableRow[] {
  const current = currentExercise(ctx);
  return ctx.exercises.map((exercise) => {
    const entry = ctx.store.entry(exercise.id);
    const status = entry.lastStatus ?? (entry.done ? 'passed' : 'not run');
    return { exercise, status, points: entry.points, progress: entry, current: exercise === current };
  });
}
