// A small exercise and test outcomes for tests of grading and reporting.
import type { Exercise } from '../../checker/exercises.ts';
import { grade, tamperedReport, type ExerciseReport, type RawTest } from '../../checker/grading/grade.ts';

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
  hints: [['one', 'two'], ['three'], ['four']],
};

export function raw(step: number | null, status: RawTest['status'], name = `test ${step ?? '-'}`, message = ''): RawTest {
  return { name, suites: step === null ? [] : [`step ${step}: title`, 'inner'], status, message, durationMs: 1.4 };
}

/** A run with every kind of verdict, for the reporters: each must show the same totals. */
export function mixedReports(): ExerciseReport[] {
  const passed = grade(EXERCISE, [raw(1, 'passed'), raw(2, 'passed'), raw(3, 'skipped', 'speed-up', 'one core: skipped')]);
  const failing: RawTest = {
    ...raw(2, 'failed', 'loadAll keeps <order> & "quotes"', NASTY_MESSAGE),
    frames: [
      { file: '/kata/checker/harness/checks/joined.ts', line: 46 },
      { file: '/kata/exercises/08-failing/example.ts', line: 12 },
    ],
  };
  const failed = grade({ ...EXERCISE, id: '08-failing', dir: '/kata/exercises/08-failing' }, [
    raw(1, 'passed'),
    failing,
    raw(3, 'passed'),
    raw(null, 'failed', 'no unhandled errors', 'Something failed outside any test'),
  ]);
  const error = grade({ ...EXERCISE, id: '09-broken' }, [], { loadErrors: ['SyntaxError: Unexpected token <'] });
  const tampered = tamperedReport({ ...EXERCISE, id: '10-tampered' }, [
    { file: 'exercises/10-tampered/example.test.ts', change: 'changed', blob: 'a'.repeat(40) },
    { file: 'exercises/10-tampered/extra.test.ts', change: 'added' },
  ]);
  return [passed, failed, error, tampered];
}

/** Everything a message can hold that a report format must survive: markup, quotes, control codes, fences. */
export const NASTY_MESSAGE = [
  'loadAll took 150 ms; expected <= 50 ms & "joined" isn\'t it?',
  '  a |████······| 0-50 ms',
  '\u001b[31mred\u001b[39m ]]> </failure> ``` fence %0A 100% done, a:b',
  'emoji 🧵 end',
].join('\n');
