// A correct alternative: no class, only closures. The state and the waiting callbacks live in the
// function's scope, and the callbacks are queued on the microtask queue through a native promise
// (`Promise.resolve().then(job)`) instead of queueMicrotask.

export type Resolve<T> = (value: T | PromiseLike<T>) => void;
export type Reject = (reason?: unknown) => void;
export type Executor<T> = (resolve: Resolve<T>, reject: Reject) => void;

export interface KataPromise<T> extends PromiseLike<T> {
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): KataPromise<R1 | R2>;
}

interface KataPromiseConstructor {
  new <T>(executor: Executor<T>): KataPromise<T>;
}

const later = (job: () => void) => void Promise.resolve().then(job);

function createPromise<T>(executor: Executor<T>): KataPromise<T> {
  let settled: { fulfilled: boolean; result: unknown } | undefined;
  let waiting: (() => void)[] = [];

  const settle = (fulfilled: boolean, result: unknown) => {
    if (settled) return;
    settled = { fulfilled, result };
    for (const job of waiting) later(job);
    waiting = [];
  };

  // [[Resolve]](promise, x): follow a thenable, fulfil with anything else.
  const resolveWith = (x: unknown): void => {
    if (x === promise) return settle(false, new TypeError('a promise cannot be resolved with itself'));
    if ((typeof x !== 'object' || x === null) && typeof x !== 'function') return settle(true, x);
    let then: unknown;
    try {
      then = (x as { then?: unknown }).then;
    } catch (error) {
      return settle(false, error);
    }
    if (typeof then !== 'function') return settle(true, x);
    let once = false;
    const first =
      <A>(f: (a: A) => void) =>
      (a: A) => {
        if (once) return;
        once = true;
        f(a);
      };
    try {
      (then as (this: unknown, a: (y: unknown) => void, b: (r: unknown) => void) => void).call(
        x,
        first(resolveWith),
        first((r: unknown) => settle(false, r)),
      );
    } catch (error) {
      if (!once) {
        once = true;
        settle(false, error);
      }
    }
  };

  let called = false;
  const resolve: Resolve<T> = (value) => {
    if (called) return;
    called = true;
    resolveWith(value);
  };
  const reject: Reject = (reason) => {
    if (called) return;
    called = true;
    settle(false, reason);
  };

  const promise: KataPromise<T> = {
    then<R1 = T, R2 = never>(
      onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
      onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
    ): KataPromise<R1 | R2> {
      return new KataPromise<R1 | R2>((next, fail) => {
        const job = () => {
          if (!settled) return;
          const callback = settled.fulfilled ? onFulfilled : onRejected;
          if (typeof callback !== 'function') {
            if (settled.fulfilled) next(settled.result as R1);
            else fail(settled.result);
            return;
          }
          try {
            next((callback as (input: unknown) => R1 | R2 | PromiseLike<R1 | R2>)(settled.result));
          } catch (error) {
            fail(error);
          }
        };
        if (settled) later(job);
        else waiting.push(job);
      });
    },
  };

  try {
    executor(resolve, reject);
  } catch (error) {
    reject(error);
  }
  return promise;
}

// `new KataPromise(executor)` calls createPromise; a constructor that returns an object gives that object.
export const KataPromise = createPromise as unknown as KataPromiseConstructor;
