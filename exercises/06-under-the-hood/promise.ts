// Exercise 06, step 1: a promise of your own. Read README.md in this folder first; `npm start` runs
// the tests on save. Replace each `throw` with your code. The types are the contract: keep them.
//
// A promise is a small state machine: pending, then fulfilled (with a value) or rejected (with a
// reason), once and for ever. Callbacks registered with `then` wait in a list until it settles.
// The tests are the real Promises/A+ compliance suite, plus a few of the kata's own.

export type Resolve<T> = (value: T | PromiseLike<T>) => void;
export type Reject = (reason?: unknown) => void;
export type Executor<T> = (resolve: Resolve<T>, reject: Reject) => void;

export class KataPromise<T> implements PromiseLike<T> {
  // Calls `executor(resolve, reject)` at once. Only the first call of resolve or reject counts; an
  // exception thrown by the executor rejects the promise. `resolve(x)` with a thenable `x` (anything
  // with a `then` method, a promise included) makes this promise follow `x`.
  constructor(executor: Executor<T>) {
    throw new Error('TODO step 1: keep a state and a list of callbacks, then call the executor');
  }

  // Returns a new promise. When this one settles, call onFulfilled(value) or onRejected(reason), each
  // from the microtask queue (queueMicrotask), never inside `then` or `resolve`; the new promise
  // resolves with what the callback returns, or rejects with what it throws. A callback that is not a
  // function passes the value (or reason) straight through.
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): KataPromise<R1 | R2> {
    throw new Error('TODO step 1: return a new promise that follows the callback');
  }
}
