import type { Context } from '../context.ts';
import { currentExercise } from '../context.ts';
import { resolveExercise, type Exercise } from '../exercises.ts';
import { c } from '../ui/colors.ts';
import { reflowMarkdown } from '../ui/reflow.ts';

/** Hints are reflowed to the terminal, up to this width (hints.md is written at about 100 columns). */
export const HINT_MAX_WIDTH = 100;

/**
 * `hint [id]`: reveal the next hint for the step the learner is stuck on (the first step that failed
 * in the latest run). Hints are progressive: each one gives away a little more.
 */
export function hint(ctx: Context, ids: string[]): number {
  const exercise = ids[0] !== undefined ? resolveExercise(ids[0], ctx.exercises) : currentExercise(ctx);
  if (!exercise) {
    ctx.out('Every exercise is done: no hints needed.');
    return 0;
  }
  // On a terminal, reflowed to its width; into a pipe or a file, as hints.md has it.
  const width = process.stdout.isTTY && process.stdout.columns ? Math.min(process.stdout.columns, HINT_MAX_WIDTH) : Infinity;
  ctx.out(nextHint(ctx, exercise, ctx.store.entry(exercise.id).failingStep)(width));
  return 0;
}

/**
 * The next hint for `step`, or, for an exercise whose latest verdict passed, why there is none: not a
 * step to be stuck on, and showing (and recording) step 1's hints as if it failed would say something
 * false. The `hint` command and watch mode's `h` both answer with this. The hint is recorded once, now;
 * what comes back renders it at a width (watch mode renders it again when the terminal is resized).
 */
export function nextHint(ctx: Pick<Context, 'store'>, exercise: Exercise, step: number | undefined): (width: number) => string {
  if (ctx.store.entry(exercise.id).done) {
    const text = `${exercise.id} passes: every step is done, no hint needed. Compare with the reference solution: \`npm run kata -- solution ${exercise.number}\` (\`s\` in watch mode).`;
    return () => text;
  }
  return revealNextHint(ctx, exercise, step);
}

/**
 * Records one more hint of `step` as shown and renders every hint of that step shown so far. Shared
 * with watch mode, which passes the first failing step of the verdict on screen. Without a step
 * (nothing has run yet), it is step 1.
 */
export function revealNextHint(ctx: Pick<Context, 'store'>, exercise: Exercise, step = 1): (width: number) => string {
  const known = Math.min(Math.max(1, step), Math.max(1, exercise.hints.length));
  const hints = exercise.hints[known - 1] ?? [];
  const shown = Math.min((ctx.store.entry(exercise.id).hints[String(known)] ?? 0) + 1, hints.length);
  if (hints.length > 0) ctx.store.recordHint(exercise.id, known, shown);
  return (width) => renderHints(exercise, known, shown, width);
}

/** The first `shown` hints of `step`, each reflowed to `width` (`Infinity`: as hints.md has them). */
export function renderHints(exercise: Exercise, step: number, shown: number, width = Infinity): string {
  const hints = exercise.hints[step - 1] ?? [];
  if (hints.length === 0) return `${exercise.id} has no hints for step ${step}.`;
  const title = exercise.steps[step - 1]?.title ?? '';
  const blocks = hints
    .slice(0, shown)
    .map((text, i) => `${c.yellow(`Step ${step}${title ? ` (${title})` : ''}, hint ${i + 1} of ${hints.length}`)}\n${Number.isFinite(width) ? reflowMarkdown(text, width) : text}`);
  const more =
    shown < hints.length
      ? c.dim(`(${hints.length - shown} more for step ${step}: ask again for the next one)`)
      : c.dim(`(that was the last hint for step ${step}; the solution is next: \`solution\`, or \`s\` in watch mode)`);
  return [...blocks, more].join('\n\n');
}
