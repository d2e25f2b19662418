import type { Context } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import { c } from '../ui/colors.ts';
import { checkVariants, loadVariants } from '../variants.ts';

/** `variants [id...]` (for maintainers): prove every known-wrong variant is rejected, naming its mistake. */
export async function variants(ctx: Context, ids: string[], json: boolean): Promise<number> {
  const exercises = ids.length ? ids.map((id) => resolveExercise(id, ctx.exercises)) : ctx.exercises;
  const verdicts = await checkVariants(loadVariants(exercises));
  if (json) {
    ctx.out(JSON.stringify(verdicts, null, 2));
  } else {
    for (const verdict of verdicts) {
      const mark = verdict.rejected ? c.green('✓ rejected') : c.red('✗ ACCEPTED');
      ctx.out(`${mark}  ${verdict.exercise}/${verdict.variant} (step ${verdict.step}): ${c.dim(verdict.reason)}`);
    }
    ctx.out(`\n${verdicts.filter((v) => v.rejected).length} of ${verdicts.length} known-wrong variants rejected.`);
  }
  return verdicts.every((verdict) => verdict.rejected) ? 0 : 1;
}
