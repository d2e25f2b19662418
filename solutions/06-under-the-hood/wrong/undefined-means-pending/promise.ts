// Known-wrong: the promise has no state field: it is "pending" while it holds neither a value nor a
// reason, so a promise fulfilled with undefined (or rejected with undefined) still counts as pending.

export type Resolve<T> = (value: T | PromiseLike<T>) => void;
export type Reject = (reason?: unknown) => void;
export type Executor<T> = (resolve: Resolve<T>, reject: Reject) => void;

export class KataPromise<T> implements PromiseLike<T> {
  #value: unknown = undefined;
  #reason: unknown = undefined;
  #rejected = false;
  #callbacks: (() => void)[] = [];

  constructor(executor: Executor<T>) {
    let resolved = false;
    const resolve: Resolve<T> = (value) => {
      if (resolved) return;
      resolved = true;
      this.#resolveWith(value);
    };
    const reject: Reject = (reason) => {
      if (resolved) return;
      resolved = true;
      this.#settle(true, reason);
    };
    try {
      executor(resolve, reject);
    } catch (error) {
      reject(error);
    }
  }

  #pending(): boolean {
    return this.#value === undefined && this.#reason === undefined;
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): KataPromise<R1 | R2> {
    return new KataPromise<R1 | R2>((resolve, reject) => {
      const react = () => {
        try {
          if (this.#rejected) {
            if (typeof onRejected === 'function') resolve(onRejected(this.#reason));
            else reject(this.#reason);
          } else if (typeof onFulfilled === 'function') resolve(onFulfilled(this.#value as T));
          else resolve(this.#value as R1);
        } catch (error) {
          reject(error);
        }
      };
      if (this.#pending()) this.#callbacks.push(react);
      else queueMicrotask(react);
    });
  }

  #resolveWith(x: unknown): void {
    if (x === this) {
      this.#settle(true, new TypeError('a promise cannot be resolved with itself'));
      return;
    }
    if ((typeof x === 'object' && x !== null) || typeof x === 'function') {
      let then: unknown;
      try {
        then = (x as { then?: unknown }).then;
      } catch (error) {
        this.#settle(true, error);
        return;
      }
      if (typeof then === 'function') {
        let called = false;
        try {
          (then as (this: unknown, f: (y: unknown) => void, r: (e: unknown) => void) => void).call(
            x,
            (y) => {
              if (called) return;
              called = true;
              this.#resolveWith(y);
            },
            (r) => {
              if (called) return;
              called = true;
              this.#settle(true, r);
            },
          );
        } catch (error) {
          if (!called) {
            called = true;
            this.#settle(true, error);
          }
        }
        return;
      }
    }
    this.#settle(false, x);
  }

  #settle(rejected: boolean, outcome: unknown): void {
    if (!this.#pending()) return;
    this.#rejected = rejected;
    if (rejected) this.#reason = outcome;
    else this.#value = outcome;
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const react of callbacks) queueMicrotask(react);
  }
}
