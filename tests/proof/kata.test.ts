// The kata proves itself, exercise by exercise, through the real checker (`kata prove`, one test
// process per exercise, every target of it in that process): every stub fails every test, every
// reference solution passes every test, every known-wrong variant is rejected by its own step with a
// message that names its mistake, and every correct alternative is accepted. The proof runs as
// PARTS checkers at once, each with every PARTS-th target of every exercise (`--part K/N`): the parts
// cost about the same whatever the exercises weigh, and the exercises' tests must hold with every
// core busy, which is how the proof keeps them busy.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadExercises } from '../../checker/exercises.ts';
import { loadAlternatives, loadVariants, type ExerciseProof } from '../../checker/running/proof.ts';
import { kataAsync } from '../support/cli.ts';

const exercises = loadExercises();
const PARTS = 3;
let proofs: ExerciseProof[][] = [];

// The proof of ~500 targets takes about 540 s on a quiet 2-core machine: a 600 s limit timed out once
// under other load. 25 min still ends a hung prover well inside CI's limit.
beforeAll(async () => {
  const parts = Array.from({ length: PARTS }, (_, i) => `${i + 1}/${PARTS}`);
  const results = await Promise.all(parts.map((part) => kataAsync(['prove', '--part', part, '--json'], { timeoutMs: 1_500_000 })));
  proofs = results.map((result) => {
    try {
      return JSON.parse(result.stdout) as ExerciseProof[];
    } catch (error) {
      throw new Error(`kata prove did not print one JSON document (exit ${result.status}):\n${result.stdout.slice(0, 2000)}\n${result.stderr.slice(0, 4000)}`, { cause: error });
    }
  });
}, 1_500_000);

/** The parts' proofs of one exercise, as one. */
const proofOf = (id: string): ExerciseProof => {
  const mine = proofs.flatMap((part) => part.filter((candidate) => candidate.exercise === id));
  if (mine.length !== PARTS) throw new Error(`${id} was proven by ${mine.length} of the ${PARTS} parts`);
  const stub = mine.find((proof) => proof.stub)?.stub;
  const solution = mine.find((proof) => proof.solution)?.solution;
  return {
    exercise: id,
    ...(stub ? { stub } : {}),
    ...(solution ? { solution } : {}),
    variants: mine.flatMap((proof) => proof.variants),
    alternatives: mine.flatMap((proof) => proof.alternatives),
  };
};

describe.each(exercises.map((exercise) => [exercise.id, exercise] as const))('%s', (id, exercise) => {
  it('its stub fails every test', () => {
    expect(proofOf(id).stub?.problems).toEqual([]);
    expect(proofOf(id).stub?.proven).toBe(true);
  });

  it('its reference solution passes every test, each in a step', () => {
    expect(proofOf(id).solution?.problems).toEqual([]);
    expect(proofOf(id).solution?.proven).toBe(true);
  });

  const variants = loadVariants([exercise]);
  it.each(variants.map((variant) => [variant.name, variant.step, variant.mistake] as const))(
    'rejects wrong/%s in step %i, naming the mistake (%s)',
    (name) => {
      const verdict = proofOf(id).variants.find((candidate) => candidate.variant === name);
      expect(verdict?.reason).toBeDefined();
      expect(verdict?.rejected, verdict?.reason).toBe(true);
    },
  );

  const alternatives = loadAlternatives([exercise]);
  it.each(alternatives.map((alt) => [alt.name, alt.approach] as const))('accepts alt/%s (%s)', (name) => {
    const verdict = proofOf(id).alternatives.find((candidate) => candidate.alt === name);
    expect(verdict?.reason).toBeDefined();
    expect(verdict?.accepted, verdict?.reason).toBe(true);
  });
});
