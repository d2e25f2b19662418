import path from 'node:path';
import type { Context } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import { resetExercise } from '../exercise-files.ts';
import { confirm } from './confirm.ts';

/** `reset <id>`: put an exercise's files back as the kata shipped them, keeping a backup. */
export async function reset(ctx: Context, ids: string[], yes: boolean): Promise<number> {
  const exercise = resolveExercise(ids[0] ?? '', ctx.exercises);
  if (!yes && !(await confirm(`Reset ${exercise.files.join(', ')} of ${exercise.id} to the original stub? (a backup of yours is kept)`, ctx.interactive))) {
    ctx.out(ctx.interactive ? 'Nothing was changed.' : 'Nothing was changed: add --yes to reset without a terminal.');
    return ctx.interactive ? 0 : 1;
  }
  const backup = resetExercise(exercise);
  ctx.out(`Reset ${exercise.id}. Your previous version is in ${path.relative(process.cwd(), backup)}`);
  return 0;
}
