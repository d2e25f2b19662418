// The kata proves itself, exercise by exercise, through the real checker (`kata prove`, one test
// process per exercise, every target of it in that process): every stub fails every test, every
// reference solution passes every test, every known-wrong variant is rejected by its own step with a
// message that names its mistake, and every correct alternative is accepted. The exercises are
// proven by two checkers at once, each with its share of them, one exercise after another: the
// exercises' tests must hold with every core busy, and this is how the proof keeps them busy.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadExercises, type Exercise } from '../../checker/exercises.ts';
import { loadAlternatives, loadVariants, type ExerciseProof } from '../../checker/running/proof.ts';
import { kataAsync } from '../support/cli.ts';

const exercises = loadExercises();
let proofs: ExerciseProof[] = [];

/**
 * Seconds `kata prove <id>` took on a quiet 2-core machine. Only the balance of the two shares depends
 * on them: an exercise not listed counts as 10 s.
 */
const MEASURED_S: Record<string, number> = { '01': 5, '02': 9, '03': 58, '04': 53, '05': 32, '06': 8, '07': 133 };

/** The exercises in `count` shares of about equal time, the longest first (greedy). */
function shares(list: readonly Exercise[], count: number): string[][] {
  const weight = (exercise: Exercise) => MEASURED_S[exercise.id.slice(0, 2)] ?? 10;
  const groups = Array.from({ length: count }, () => ({ ids: [] as string[], total: 0 }));
  for (const exercise of [...list].sort((a, b) => weight(b) - weight(a))) {
    const lightest = groups.reduce((best, group) => (group.total < best.total ? group : best));
    lightest.ids.push(exercise.id);
    lightest.total += weight(exercise);
  }
  return groups.map((group) => group.ids).filter((ids) => ids.length > 0);
}

beforeAll(async () => {
  const results = await Promise.all(shares(exercises, 2).map((ids) => kataAsync(['prove', ...ids, '--json'], { timeoutMs: 600_000 })));
  proofs = results.flatMap((result) => {
    try {
      return JSON.parse(result.stdout) as ExerciseProof[];
    } catch (error) {
      throw new Error(`kata prove did not print one JSON document (exit ${result.status}):\n${result.stdout.slice(0, 2000)}\n${result.stderr.slice(0, 4000)}`, { cause: error });
    }
  });
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
