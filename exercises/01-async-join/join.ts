// Exercise 01: async join. Read README.md in this folder first; `npm start` runs the tests on save.
// Replace each `throw` with your code. The types are the contract: keep the signatures.

/** A task that has not started yet: calling it starts the work and returns its promise. */
export type Task<T> = () => Promise<T>;

/** The outcome of one task when you want every outcome, failures included. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Thrown by `withDeadline` when the task is too slow. */
export class DeadlineError extends Error {
  override name = 'DeadlineError';
  constructor(readonly deadlineMs: number) {
    super(`gave up after ${deadlineMs} ms`);
  }
}

// Step 1: run both tasks at the same time and return both results.
export async function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  throw new Error('TODO step 1: start both tasks, then wait for both');
}

// Step 2: run every task at the same time; results in the order of `tasks`.
export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  throw new Error('TODO step 2: start every task, then wait for all of them');
}

// Step 3: like loadAll, but never reject: report every task's outcome, in input order.
export async function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  throw new Error('TODO step 3: collect every outcome, failures included');
}

// Step 4: resolve with the task's result, or reject with DeadlineError after `deadlineMs`,
// aborting the task's signal. Leave no timer and no unhandled rejection behind.
export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  throw new Error('TODO step 4: race the task against a deadline you can cancel');
}
