import type { Context } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import { c } from '../ui/colors.ts';
import { proveExercises, type ExerciseProof } from '../running/proof.ts';

/**
 * `prove [id...]` (for maintainers; `variants` is its old name): the stub fails every test, the
 * solution passes every test, every known-wrong variant is rejected by its step with a message that
 * names its mistake, every correct alternative is accepted. Exit 0 only if all of it holds.
 */
export async function prove(ctx: Context, ids: string[], json: boolean): Promise<number> {
  const exercises = ids.length ? ids.map((id) => resolveExercise(id, ctx.exercises)) : ctx.exercises;
  const proofs = await proveExercises(exercises);
  if (json) ctx.out(JSON.stringify(proofs, null, 2));
  else for (const proof of proofs) ctx.out(renderProof(proof));
  return proofs.every(holds) ? 0 : 1;
}

export function holds(proof: ExerciseProof): boolean {
  return proof.stub.proven && proof.solution.proven && proof.variants.every((v) => v.rejected) && proof.alternatives.every((a) => a.accepted);
}

function renderProof(proof: ExerciseProof): string {
  const mark = (ok: boolean, yes: string, no: string) => (ok ? c.green(`✓ ${yes}`) : c.red(`✗ ${no}`));
  const lines = [
    c.bold(proof.exercise),
    `  ${mark(proof.stub.proven, 'stub fails every test', 'STUB PASSES SOMETHING')}${proof.stub.proven ? '' : c.dim(`: ${proof.stub.problems.slice(0, 3).join('; ')}`)}`,
    `  ${mark(proof.solution.proven, 'solution passes every test', 'SOLUTION FAILS')}${proof.solution.proven ? '' : c.dim(`: ${proof.solution.problems.slice(0, 3).join('; ')}`)}`,
    ...proof.variants.map((v) => `  ${mark(v.rejected, 'rejected', 'ACCEPTED')}  wrong/${v.variant} (step ${v.step}): ${c.dim(v.reason)}`),
    ...proof.alternatives.map((a) => `  ${mark(a.accepted, 'accepted', 'REJECTED')}  alt/${a.alt}: ${c.dim(a.reason)}`),
  ];
  const rejected = proof.variants.filter((v) => v.rejected).length;
  const accepted = proof.alternatives.filter((a) => a.accepted).length;
  lines.push(c.dim(`  ${rejected} of ${proof.variants.length} known-wrong variants rejected; ${accepted} of ${proof.alternatives.length} correct alternatives accepted.`));
  return lines.join('\n');
}
