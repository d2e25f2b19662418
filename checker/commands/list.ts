import type { Context } from '../context.ts';
import { currentExercise } from '../context.ts';
import { renderTable, type TableRow } from '../ui/table.ts';
import { recheckAll } from './verify.ts';

/** `list`: every exercise with its recorded status. A rebuilt progress file is rechecked first. */
export async function list(ctx: Context): Promise<number> {
  if (ctx.store.rebuilt) {
    ctx.err('Rechecking every exercise to rebuild your progress…');
    await recheckAll(ctx);
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
