import type { Context } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import { c } from '../ui/colors.ts';
import { checkOtherWays, loadAlternatives, loadVariants } from '../variants.ts';

/**
 * `variants [id...]` (for maintainers): prove every known-wrong variant is rejected, naming its
 * mistake, and every correct alternative is accepted.
 */
export async function variants(ctx: Context, ids: string[], json: boolean): Promise<number> {
  const exercises = ids.length ? ids.map((id) => resolveExercise(id, ctx.exercises)) : ctx.exercises;
  const verdict = await checkOtherWays(loadVariants(exercises), loadAlternatives(exercises));
  if (json) {
    ctx.out(JSON.stringify(verdict, null, 2));
  } else {
    for (const v of verdict.variants) {
      const mark = v.rejected ? c.green('✓ rejected') : c.red('✗ ACCEPTED');
      ctx.out(`${mark}  ${v.exercise}/wrong/${v.variant} (step ${v.step}): ${c.dim(v.reason)}`);
    }
    for (const a of verdict.alternatives) {
      const mark = a.accepted ? c.green('✓ accepted') : c.red('✗ REJECTED');
      ctx.out(`${mark}  ${a.exercise}/alt/${a.alt}: ${c.dim(a.reason)}`);
    }
    const rejected = verdict.variants.filter((v) => v.rejected).length;
    const accepted = verdict.alternatives.filter((a) => a.accepted).length;
    ctx.out(`\n${rejected} of ${verdict.variants.length} known-wrong variants rejected; ${accepted} of ${verdict.alternatives.length} correct alternatives accepted.`);
  }
  const ok = verdict.variants.every((v) => v.rejected) && verdict.alternatives.every((a) => a.accepted);
  return ok ? 0 : 1;
}
