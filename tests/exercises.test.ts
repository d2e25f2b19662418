import { describe, expect, it } from 'vitest';
import { UnknownExerciseError, loadExercises, resolveExercise } from '../checker/exercises.ts';
import { parseExerciseMeta } from '../checker/formats/exercise-meta.ts';
import { parseHints } from '../checker/formats/hints.ts';

const exercises = loadExercises();

describe('exercise ids', () => {
  it.each(['1', '01', 'async-join', '01-async-join', ' 01-Async-Join '])('"%s" names exercise 01', (input) => {
    expect(resolveExercise(input, exercises).id).toBe('01-async-join');
  });

  it('rejects an unknown id and lists the valid ones', () => {
    expect(() => resolveExercise('42', exercises)).toThrow(UnknownExerciseError);
    expect(() => resolveExercise('nope', exercises)).toThrow(/no exercise "nope"[\s\S]*01-async-join/);
  });

  it('orders exercises by their number', () => {
    const numbers = exercises.map((exercise) => exercise.number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });
});

describe('exercise.json', () => {
  const valid = { title: 'T', summary: 'S', files: ['a.ts'], steps: [{ title: 'one', points: 1 }] };

  it('reads a valid file', () => {
    expect(parseExerciseMeta(JSON.stringify(valid), 'x.json')).toEqual(valid);
  });

  it.each([
    ['not JSON', '{', /x.json is not valid JSON/],
    ['no title', JSON.stringify({ ...valid, title: '' }), /"title"/],
    ['no files', JSON.stringify({ ...valid, files: [] }), /"files"/],
    ['no steps', JSON.stringify({ ...valid, steps: [] }), /"steps"/],
    ['negative points', JSON.stringify({ ...valid, steps: [{ title: 'a', points: -1 }] }), /step 1/],
  ])('names the file and the problem: %s', (_name, text, message) => {
    expect(() => parseExerciseMeta(text, 'x.json')).toThrow(message);
  });
});

describe('hints.md', () => {
  it('reads the hints of each step, in order, ignoring the title', () => {
    const text = '# Hints\n\n## Step 1\n\n### Hint 1\nfirst\n\n### Hint 2\nsecond\nline\n\n## Step 2\n### Hint 1\nthird\n';
    expect(parseHints(text)).toEqual([['first', 'second\nline'], ['third']]);
  });

  it.each([
    ['a heading that is not a step', '## Hint 1\ntext\n', /"## Hint 1" is not a step heading/],
    ['steps out of order', '## Step 2\n### Hint 1\nx\n', /"## Step 2" comes where step 1 was expected/],
    ['a step without hints', '## Step 1\njust text\n', /step 1 has no hints/],
  ])('names the file and the problem: %s', (_name, text, message) => {
    expect(() => parseHints(text, 'x/hints.md')).toThrow(message);
  });
});
