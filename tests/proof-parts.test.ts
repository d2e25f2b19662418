// `kata prove --part K/N`: npm test proves the kata as N checkers at once. Whatever N, every target is
// proven by exactly one part, each part proves an exercise's solution before its other targets, and
// the parts start at different exercises.
import { describe, expect, it } from 'vitest';
import { parsePart } from '../checker/commands/prove.ts';
import { UsageError } from '../checker/cli-args.ts';
import { loadExercises } from '../checker/exercises.ts';
import { proofTargets, type ProofTarget } from '../checker/running/proof.ts';

const exercises = loadExercises();
const nameOf = (target: ProofTarget): string => {
  const id = target.exercise.id;
  switch (target.kind) {
    case 'solution':
    case 'stub':
      return `${id} ${target.kind}`;
    case 'alt':
      return `${id} alt/${target.alt.name}`;
    case 'variant':
      return `${id} wrong/${target.variant.name}`;
  }
};

describe('the proof in parts', () => {
  const whole = proofTargets(exercises, { index: 1, count: 1 }).map(nameOf);

  it('the whole proof is every exercise\'s solution, stub, alternatives and variants', () => {
    for (const exercise of exercises) {
      expect(whole.filter((name) => name.startsWith(`${exercise.id} `))[0]).toBe(`${exercise.id} solution`);
      expect(whole).toContain(`${exercise.id} stub`);
    }
    expect(new Set(whole).size).toBe(whole.length);
  });

  it.each([2, 3, 4, 7])('in %i parts, every target is proven by exactly one part', (count) => {
    const parts = Array.from({ length: count }, (_, i) => proofTargets(exercises, { index: i + 1, count }).map(nameOf));
    expect(parts.flat().sort()).toEqual([...whole].sort());
    // Each part has its share of every exercise, within one target.
    for (const exercise of exercises) {
      const sizes = parts.map((part) => part.filter((name) => name.startsWith(`${exercise.id} `)).length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
    // An exercise's solution comes before the other targets of that exercise in its part.
    for (const part of parts) {
      for (const exercise of exercises) {
        const mine = part.filter((name) => name.startsWith(`${exercise.id} `));
        if (mine.includes(`${exercise.id} solution`)) expect(mine[0]).toBe(`${exercise.id} solution`);
      }
    }
    // Parts run at once begin with different exercises.
    const firsts = parts.map((part) => part[0]?.slice(0, 2));
    expect(new Set(firsts).size).toBe(Math.min(count, exercises.length));
  });

  it('--part takes K/N with 1 <= K <= N, and refuses anything else with a usage error', () => {
    expect(parsePart(undefined)).toEqual({ index: 1, count: 1 });
    expect(parsePart('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1/0', '1', 'a/b', '1/2/3', '']) expect(() => parsePart(bad)).toThrow(UsageError);
  });
});
