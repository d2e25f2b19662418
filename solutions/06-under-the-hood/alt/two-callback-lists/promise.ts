// A correct alternative: two lists of callbacks (one per outcome) instead of one list of reactions, and
// a settle() that queues the list of the outcome it reached. Each then() pushes one entry on both lists.

export type Resolve<T> = (value: T | PromiseLike<T>) => void;
export type Reject = (reason?: unknown) => void;
export type Executor<T> = (resolve: Resolve<T>, reject: Reject) => void;

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

export class KataPromise<T> implements PromiseLike<T> {
  private status: 0 | 1 | 2 = PENDING;
  private result: unknown;
  private onFulfilledList: ((value: unknown) => void)[] = [];
  private onRejectedList: ((reason: unknown) => void)[] = [];

  constructor(executor: Executor<T>) {
    let done = false;
    const resolve: Resolve<T> = (value) => {
      if (done) return;
      done = true;
      this.resolveWith(value);
    };
    const reject: Reject = (reason) => {
      if (done) return;
      done = true;
      this.settle(REJECTED, reason);
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
      const fulfilled = (value: unknown) => {
        if (typeof onFulfilled !== 'function') return resolve(value as R1);
        try {
          resolve(onFulfilled(value as T));
        } catch (error) {
          reject(error);
        }
      };
      const rejected = (reason: unknown) => {
        if (typeof onRejected !== 'function') return reject(reason);
        try {
          resolve(onRejected(reason));
        } catch (error) {
          reject(error);
        }
      };
      if (this.status === FULFILLED) queueMicrotask(() => fulfilled(this.result));
      else if (this.status === REJECTED) queueMicrotask(() => rejected(this.result));
      else {
        this.onFulfilledList.push(fulfilled);
        this.onRejectedList.push(rejected);
      }
    });
  }

  private resolveWith(x: unknown): void {
    if (x === this) return this.settle(REJECTED, new TypeError('a promise cannot resolve to itself'));
    if (x === null || (typeof x !== 'object' && typeof x !== 'function')) return this.settle(FULFILLED, x);
    let then: unknown;
    try {
      then = (x as { then?: unknown }).then;
    } catch (error) {
      return this.settle(REJECTED, error);
    }
    if (typeof then !== 'function') return this.settle(FULFILLED, x);
    let called = false;
    try {
      then.call(
        x,
        (y: unknown) => {
          if (!called) {
            called = true;
            this.resolveWith(y);
          }
        },
        (r: unknown) => {
          if (!called) {
            called = true;
            this.settle(REJECTED, r);
          }
        },
      );
    } catch (error) {
      if (!called) {
        called = true;
        this.settle(REJECTED, error);
      }
    }
  }

  private settle(status: 1 | 2, result: unknown): void {
    if (this.status !== PENDING) return;
    this.status = status;
    this.result = result;
    const list = status === FULFILLED ? this.onFulfilledList : this.onRejectedList;
    this.onFulfilledList = [];
    this.onRejectedList = [];
    for (const callback of list) queueMicrotask(() => callback(result));
  }
}
