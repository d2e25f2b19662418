import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXERCISES_DIR, SOLUTIONS_DIR } from '../checker/paths.ts';
import { formatTarget, parseTarget, placeInExercise, redirect } from '../checker/running/target.ts';

const stub = path.join(EXERCISES_DIR, '01-async-join', 'join.ts');
const testFile = path.join(EXERCISES_DIR, '01-async-join', 'join.test.ts');

describe('target switch', () => {
  it('parses and formats every kind of target', () => {
    for (const text of ['exercises', 'solutions', 'variant:01-async-join/sequential-awaits', 'alt:01-async-join/counter-join']) {
      expect(formatTarget(parseTarget(text))).toBe(text);
    }
    expect(parseTarget(undefined)).toEqual({ kind: 'exercises' });
    expect(() => parseTarget('answers')).toThrow(/not a target/);
  });

  it('leaves the learner\'s files alone by default', () => {
    expect(redirect(stub, { kind: 'exercises' })).toBe(stub);
  });

  it('sends an exercise file to its reference solution', () => {
    expect(redirect(stub, { kind: 'solutions' })).toBe(path.join(SOLUTIONS_DIR, '01-async-join', 'join.ts'));
  });

  it('never redirects the tests themselves, nor files outside exercises/', () => {
    expect(redirect(testFile, { kind: 'solutions' })).toBe(testFile);
    const harness = path.resolve(EXERCISES_DIR, '..', 'checker', 'harness', 'io.ts');
    expect(redirect(harness, { kind: 'solutions' })).toBe(harness);
  });

  it("places a variant's, an alternative's and the solution's files where the learner's stand, so that they import their neighbours as the learner's do", () => {
    const place = path.join(EXERCISES_DIR, '06-under-the-hood', 'runtime.ts');
    expect(placeInExercise(path.join(SOLUTIONS_DIR, '06-under-the-hood', 'alt', 'some-alt', 'runtime.ts'))).toBe(place);
    expect(placeInExercise(path.join(SOLUTIONS_DIR, '06-under-the-hood', 'wrong', 'some-variant', 'runtime.ts'))).toBe(place);
    expect(placeInExercise(path.join(SOLUTIONS_DIR, '06-under-the-hood', 'runtime.ts'))).toBe(place);
    expect(placeInExercise(testFile)).toBe(testFile);
  });

  it('sends a file to the variant when the variant has it, else to the solution', () => {
    const variant = { kind: 'variant', exercise: '01-async-join', variant: 'sequential-awaits' } as const;
    expect(redirect(stub, variant)).toBe(path.join(SOLUTIONS_DIR, '01-async-join', 'wrong', 'sequential-awaits', 'join.ts'));
    const missing = path.join(EXERCISES_DIR, '01-async-join', 'not-in-variant.ts');
    expect(redirect(missing, variant)).toBe(missing);
  });

  it('sends a file to the correct alternative when it has it, else to the solution', () => {
    const alt = { kind: 'alt', exercise: '01-async-join', alt: 'some-alt' } as const;
    expect(redirect(stub, alt)).toBe(path.join(SOLUTIONS_DIR, '01-async-join', 'join.ts'));
    expect(redirect(stub, { ...alt, exercise: '01-async-join' })).toBe(path.join(SOLUTIONS_DIR, '01-async-join', 'join.ts'));
  });

  it('applies a variant only to its own exercise', () => {
    const other = { kind: 'variant', exercise: '99-other', variant: 'x' } as const;
    expect(redirect(stub, other)).toBe(path.join(SOLUTIONS_DIR, '01-async-join', 'join.ts'));
  });
});
