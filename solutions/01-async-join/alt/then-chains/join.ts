// A correct alternative: every step written with explicit promises and callbacks instead of
// Promise.all / allSettled / race. Same rules: start everything at once, results in input order,
// fail fast, and a deadline that settles once and clears its timer on every way out.
import { DeadlineError, type Outcome, type Task } from '../../join.ts';
export * from '../../join.ts';

export function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  const userData = user();
  const imageData = image();
  // Listen to both now: a failure of either rejects at once, and neither goes unhandled.
  return new Promise<[A, B]>((resolve, reject) => {
    let left = 2;
    let a: A | undefined;
    let b: B | undefined;
    const done = () => {
      if (--left === 0) resolve([a as A, b as B]);
    };
    userData.then((value) => {
      a = value;
      done();
    }, reject);
    imageData.then((value) => {
      b = value;
      done();
    }, reject);
  });
}

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const running = tasks.map((task) => task());
  return new Promise<T[]>((resolve, reject) => {
    const results: T[] = [];
    let left = running.length;
    if (left === 0) resolve(results);
    running.forEach((promise, i) => {
      promise.then((value) => {
        results[i] = value;
        if (--left === 0) resolve(results);
      }, reject);
    });
  });
}

export function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  // Each promise turns its own failure into a value, so the join below can never reject.
  return loadAll(
    tasks.map((task) => () =>
      task().then(
        (value): Outcome<T> => ({ ok: true, value }),
        (error: unknown): Outcome<T> => ({ ok: false, error }),
      ),
    ),
  );
}

export function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  return new Promise<T>((resolve, reject) => {
    // The task is called before the timer exists: a task that throws synchronously rejects this
    // promise (a throw in the executor does) and leaves no timer behind.
    const work = task(controller.signal);
    const timer = setTimeout(() => {
      const error = new DeadlineError(deadlineMs);
      reject(error); // settles first: the task's late answer, whatever it is, changes nothing
      controller.abort(error);
    }, deadlineMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // The task's own reason, passed on as it is (whatever it rejected with).
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
