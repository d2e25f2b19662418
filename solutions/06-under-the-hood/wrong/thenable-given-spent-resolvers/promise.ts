// Known-wrong: resolve(thenable) hands the thenable the constructor's own resolve and reject, which the
// first call has already spent: the thenable's answer is ignored and the promise stays pending for ever.
// A promise is a little state machine (pending, then fulfilled or rejected, once) plus a list of
// callbacks waiting for it. Callbacks always run from the microtask queue, never inside `then` or
// `resolve`; and resolving with a thenable makes this promise follow it (the resolution procedure).

export type Resolve<T> = (value: T | PromiseLike<T>) => void;
export type Reject = (reason?: unknown) => void;
export type Executor<T> = (resolve: Resolve<T>, reject: Reject) => void;

type State<T> = { status: 'pending' } | { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown };

export class KataPromise<T> implements PromiseLike<T> {
  #state: State<T> = { status: 'pending' };
  /** Callbacks registered while pending; queued as microtasks, in order, when the promise settles. */
  #reactions: (() => void)[] = [];

  constructor(executor: Executor<T>) {
    // One pair of resolving functions per promise: only the first call of either counts.
    let resolved = false;
    const resolve: Resolve<T> = (value) => {
      if (resolved) return;
      resolved = true;
      const then = typeof value === 'object' && value !== null ? (value as { then?: unknown }).then : undefined;
      // A thenable: let it call our own resolve and reject.
      if (typeof then === 'function') (then as (f: Resolve<T>, r: Reject) => void).call(value, resolve, reject);
      else this.#resolveWith(value);
    };
    const reject: Reject = (reason) => {
      if (resolved) return;
      resolved = true;
      this.#settle({ status: 'rejected', reason });
    };
    try {
      executor(resolve, reject);
    } catch (error) {
      reject(error);
    }
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): KataPromise<R1 | R2> {
    return new KataPromise<R1 | R2>((resolve, reject) => {
      const react = () => {
        const state = this.#state;
        try {
          if (state.status === 'fulfilled') {
            if (typeof onFulfilled === 'function') resolve(onFulfilled(state.value));
            else resolve(state.value as unknown as R1);
          } else if (state.status === 'rejected') {
            if (typeof onRejected === 'function') resolve(onRejected(state.reason));
            else reject(state.reason);
          }
        } catch (error) {
          reject(error);
        }
      };
      if (this.#state.status === 'pending') this.#reactions.push(react);
      else queueMicrotask(react);
    });
  }

  /** The promise resolution procedure, [[Resolve]](promise, x). */
  #resolveWith(x: unknown): void {
    if (x === this) {
      this.#settle({ status: 'rejected', reason: new TypeError('a promise cannot be resolved with itself') });
      return;
    }
    if ((typeof x === 'object' && x !== null) || typeof x === 'function') {
      let then: unknown;
      try {
        then = (x as { then?: unknown }).then; // read once: it may be a getter
      } catch (error) {
        this.#settle({ status: 'rejected', reason: error });
        return;
      }
      if (typeof then === 'function') {
        let called = false;
        try {
          (then as (this: unknown, onFulfilled: (y: unknown) => void, onRejected: (r: unknown) => void) => void).call(
            x,
            (y) => {
              if (called) return;
              called = true;
              this.#resolveWith(y);
            },
            (r) => {
              if (called) return;
              called = true;
              this.#settle({ status: 'rejected', reason: r });
            },
          );
        } catch (error) {
          if (!called) {
            called = true;
            this.#settle({ status: 'rejected', reason: error });
          }
        }
        return;
      }
    }
    this.#settle({ status: 'fulfilled', value: x as T });
  }

  #settle(state: Exclude<State<T>, { status: 'pending' }>): void {
    if (this.#state.status !== 'pending') return;
    this.#state = state;
    const reactions = this.#reactions;
    this.#reactions = [];
    for (const react of reactions) queueMicrotask(react);
  }
}
