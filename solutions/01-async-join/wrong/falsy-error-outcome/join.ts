// Reference solution for exercise 01: async join.

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

// Step 1: both tasks start before either is awaited, so their waits overlap.
export async function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  const [userData, imageData] = await Promise.all([user(), image()]);
  return [userData, imageData];
}

// Step 2: `map` starts every task at once; Promise.all keeps input order whatever finishes first.
export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const results = await Promise.all(tasks.map((task) => task()));
  return results;
}

// Step 3: allSettled waits for every task and never rejects; we turn its records into Outcomes.
export async function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  const settled = await Promise.all(
    tasks.map((task) =>
      task().then(
        (value) => ({ value, error: undefined as unknown }),
        (error: unknown) => ({ value: undefined, error }),
      ),
    ),
  );
  return settled.map(({ value, error }): Outcome<T> => (error ? { ok: false, error } : { ok: true, value: value as T }));
}

// Step 4: one controller cancels the task; `finally` clears the timer whichever side wins.
export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  try {
    // race() listens to both promises, so the loser's later rejection is handled, not leaked.
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
