import type { Context } from '../context.ts';
import { currentExercise } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import { renderSolution } from '../exercise-files.ts';
import { confirm } from './confirm.ts';

/** `solution [id]`: the reference solution and a diff against the learner's file. */
export async function solution(ctx: Context, ids: string[], yes: boolean): Promise<number> {
  const exercise = ids[0] !== undefined ? resolveExercise(ids[0], ctx.exercises) : currentExercise(ctx);
  if (!exercise) {
    ctx.out('Every exercise is done. Name one to see its solution: `npm run kata -- solution 1`.');
    return 0;
  }
  if (!ctx.store.entry(exercise.id).done && !yes) {
    const question = `${exercise.id} has not passed yet. Seeing the solution now is recorded as "revealed early". Show it?`;
    if (!(await confirm(question, ctx.interactive))) {
      ctx.out(ctx.interactive ? 'Not shown. Try a hint first: `npm run kata -- hint`.' : `${exercise.id} has not passed yet: add --yes to see its solution anyway (recorded as revealed early).`);
      return ctx.interactive ? 0 : 1;
    }
  }
  // Rendered first: a solution that is not there is not recorded as seen.
  const text = renderSolution(exercise);
  ctx.store.recordSolutionShown(exercise.id);
  ctx.out(text);
  return 0;
}
