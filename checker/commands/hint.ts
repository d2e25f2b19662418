import type { Context } from '../context.ts';
import { currentExercise } from '../context.ts';
import { resolveExercise, type Exercise } from '../exercises.ts';
import { c } from '../ui/colors.ts';

/** `hint [id]`: reveal the next hint (hints are progressive: each one gives away a little more). */
export function hint(ctx: Context, ids: string[]): number {
  const exercise = ids[0] ? resolveExercise(ids[0], ctx.exercises) : currentExercise(ctx);
  if (!exercise) {
    ctx.out('Every exercise is done: no hints needed.');
    return 0;
  }
  ctx.out(revealNextHint(ctx, exercise));
  return 0;
}

/** Records one more hint as shown and renders every hint shown so far. Shared with watch mode. */
export function revealNextHint(ctx: Pick<Context, 'store'>, exercise: Exercise): string {
  const shown = Math.min(ctx.store.entry(exercise.id).hintsShown + 1, exercise.hints.length);
  ctx.store.recordHint(exercise.id, shown);
  return renderHints(exercise, shown);
}

export function renderHints(exercise: Exercise, shown: number): string {
  if (exercise.hints.length === 0) return `${exercise.id} has no hints.`;
  const blocks = exercise.hints
    .slice(0, shown)
    .map((text, i) => `${c.yellow(`Hint ${i + 1}/${exercise.hints.length}`)}\n${text}`);
  const more =
    shown < exercise.hints.length
      ? c.dim(`(${exercise.hints.length - shown} more: ask again for the next one)`)
      : c.dim('(that was the last hint; the solution is next: `solution`, or `s` in watch mode)');
  return [...blocks, more].join('\n\n');
}
