import { UsageError } from '../cli-args.ts';
import type { Context } from '../context.ts';
import { resolveExercise } from '../exercises.ts';
import { c } from '../ui/colors.ts';
import { proveExercises, type ExerciseProof, type ProofPart } from '../running/proof.ts';

/**
 * `prove [id...]` (for maintainers; `variants` is its old name): the stub fails every test, the
 * solution passes every test, every known-wrong variant is rejected by its step with a message that
 * names its mistake, every correct alternative is accepted. Exit 0 only if all of it holds.
 * `--part K/N` proves the K-th of N parts (every N-th target of each exercise): `npm test` runs the
 * parts at once.
 */
export async function prove(ctx: Context, ids: string[], json: boolean, partOption?: string): Promise<number> {
  const exercises = ids.length ? ids.map((id) => resolveExercise(id, ctx.exercises)) : ctx.exercises;
  const part = parsePart(partOption);
  const proofs = await proveExercises(exercises, part);
  if (json) ctx.out(JSON.stringify(proofs, null, 2));
  else for (const proof of proofs) ctx.out(renderProof(proof));
  return proofs.every((proof) => holds(proof, part.count > 1)) ? 0 : 1;
}

export function parsePart(option: string | undefined): ProofPart {
  if (option === undefined) return { index: 1, count: 1 };
  const match = /^(\d+)\/(\d+)$/.exec(option);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) throw new UsageError(`--part takes K/N, the K-th of N parts (1 <= K <= N), e.g. --part 1/3; it was given "${option}".`);
  return { index, count };
}

/** Everything proven holds; in a part, a stub or solution another part proves is not missing. */
export function holds(proof: ExerciseProof, partial = false): boolean {
  const proven = (verdict: ExerciseProof['stub']) => (verdict ? verdict.proven : partial);
  return proven(proof.stub) && proven(proof.solution) && proof.variants.every((v) => v.rejected) && proof.alternatives.every((a) => a.accepted);
}

function renderProof(proof: ExerciseProof): string {
  const mark = (ok: boolean, yes: string, no: string) => (ok ? c.green(`✓ ${yes}`) : c.red(`✗ ${no}`));
  const verdict = (target: ExerciseProof['stub'], yes: string, no: string) =>
    target ? [`  ${mark(target.proven, yes, no)}${target.proven ? '' : c.dim(`: ${target.problems.slice(0, 3).join('; ')}`)}`] : [];
  const lines = [
    c.bold(proof.exercise),
    ...verdict(proof.stub, 'stub fails every test', 'STUB PASSES SOMETHING'),
    ...verdict(proof.solution, 'solution passes every test', 'SOLUTION FAILS'),
    ...proof.variants.map((v) => `  ${mark(v.rejected, 'rejected', 'ACCEPTED')}  wrong/${v.variant} (step ${v.step}): ${c.dim(v.reason)}`),
    ...proof.alternatives.map((a) => `  ${mark(a.accepted, 'accepted', 'REJECTED')}  alt/${a.alt}: ${c.dim(a.reason)}`),
  ];
  const rejected = proof.variants.filter((v) => v.rejected).length;
  const accepted = proof.alternatives.filter((a) => a.accepted).length;
  lines.push(c.dim(`  ${rejected} of ${proof.variants.length} known-wrong variants rejected; ${accepted} of ${proof.alternatives.length} correct alternatives accepted.`));
  return lines.join('\n');
}
