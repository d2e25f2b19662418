// The kata proves itself, exercise by exercise, through the real checker (`kata prove`, one test
// process per exercise, every target of it in that process): every stub fails every test, every
// reference solution passes every test, every known-wrong variant is rejected by its own step with a
// message that names its mistake, and every correct alternative is accepted. These run real-time
// tests, so they run alone (the proof project has no file parallelism); the self-tests run beside them.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadExercises } from '../../checker/exercises.ts';
import { loadAlternatives, loadVariants, type ExerciseProof } from '../../checker/proof.ts';
import { kata } from '../support/cli.ts';

const exercises = loadExercises();
let proofs: ExerciseProof[] = [];

beforeAll(() => {
  const result = kata(['prove', '--json']);
  try {
    proofs = JSON.parse(result.stdout) as ExerciseProof[];
  } catch (error) {
    throw new Error(`kata prove did not print one JSON document (exit ${result.status}):\n${result.stdout.slice(0, 2000)}\n${result.stderr.slice(0, 4000)}`, { cause: error });
  }
}, 600_000);

const proofOf = (id: string): ExerciseProof => {
  const proof = proofs.find((candidate) => candidate.exercise === id);
  if (!proof) throw new Error(`${id} was not proven`);
  return proof;
};

describe.each(exercises.map((exercise) => [exercise.id, exercise] as const))('%s', (id, exercise) => {
  it('its stub fails every test', () => {
    expect(proofOf(id).stub.problems).toEqual([]);
    expect(proofOf(id).stub.proven).toBe(true);
  });

  it('its reference solution passes every test, each in a step', () => {
    expect(proofOf(id).solution.problems).toEqual([]);
    expect(proofOf(id).solution.proven).toBe(true);
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
