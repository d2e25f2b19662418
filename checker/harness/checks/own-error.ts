// The failure a caller gets must be the very error the work failed with. A copy with the same message
// (`new Error(error.message)`) prints the same, so "expected Error: x to be Error: x" teaches nothing:
// this says what came out instead, and why a copy is not the error.
import { fail } from '../words/explain.ts';
import { describeError } from './joined.ts';

export interface OwnErrorCheck {
  /** What came out: a rejection reason, an outcome's error. */
  got: unknown;
  /** The error the work failed with, the very object. */
  expected: unknown;
  /** What happened, as a sentence start: "The image failed at 30 ms with Error: image CDN is down". */
  happened: string;
  /** Who gave what back, before the value: "loadBoth rejected with", "user 5's imageProblem is". */
  gave: string;
}

/** Passes when `got` is `expected` itself (Object.is); fails in a learner's words otherwise. */
export function expectOwnError({ got, expected, happened, gave }: OwnErrorCheck): void {
  if (Object.is(got, expected)) return;
  const show = (value: unknown) => (value === undefined ? 'undefined' : describeError(value));
  const wraps = got instanceof Error && got.cause === expected;
  const copies = !wraps && got instanceof Error && expected instanceof Error && got.message === expected.message;
  fail(
    `${happened}; ${gave} ${show(got)}${wraps ? ', a new error that holds it as its cause' : copies ? ', an error with the same message, but not that error' : ''}.`,
    ...(copies
      ? ['-> a copy (`new Error(error.message)`) prints the same but is another error: it loses the original\'s type, its stack and its cause, and `===` on it fails.']
      : wraps
        ? ['-> a wrapper is another error: the caller checks what it gets (`instanceof`, `===`) and finds yours, not the one the work failed with.']
        : []),
    '-> pass on the very error the work failed with, as it is: rethrow what you caught (`throw error`), or put it in the outcome as it is, never a copy.',
  );
}
