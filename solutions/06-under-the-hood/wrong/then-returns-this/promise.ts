// Known-wrong: then() registers the callbacks but returns the promise it was called on, not a new one.
import { KataPromise as Correct } from '../../promise.ts';
export * from '../../promise.ts';

export class KataPromise<T> extends Correct<T> {
  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): KataPromise<R1 | R2> {
    void super.then(onFulfilled, onRejected);
    return this as unknown as KataPromise<R1 | R2>;
  }
}
