// A small exercise and test outcomes for tests of grading and reporting.
import type { Exercise } from '../../checker/exercises.ts';
import type { RawTest } from '../../checker/grade.ts';

export const EXERCISE: Exercise = {
  id: '07-example',
  number: 7,
  slug: 'example',
  title: 'Example',
  summary: 'An exercise for tests.',
  files: ['example.ts'],
  steps: [
    { title: 'first', points: 1 },
    { title: 'second', points: 2 },
    { title: 'third', points: 3 },
  ],
  dir: '/kata/exercises/07-example',
  solutionDir: '/kata/solutions/07-example',
  lessonPath: '/kata/exercises/07-example/README.md',
  hints: ['one', 'two'],
};

export function raw(step: number | null, status: RawTest['status'], name = `test ${step ?? '-'}`, message = ''): RawTest {
  return { name, suites: step === null ? [] : [`step ${step}: title`, 'inner'], status, message, durationMs: 1.4 };
}
