// Fixtures for played-thread.test.ts: tiny locks over one word, built and called on the played thread.
import { isMainThread, parentPort, threadId } from 'node:worker_threads';

const builtOnMainThread = isMainThread;

/** Marks the word contended (2) and sleeps on it; refuses the main thread, as a lock() that blocks may. */
export class WorkerOnlyLock {
  readonly builtOn = threadId;
  constructor(
    private readonly words: Int32Array,
    private readonly index: number,
  ) {
    if (builtOnMainThread || parentPort === null) throw new Error('built on the main thread');
  }
  lock(): void {
    if (isMainThread) throw new Error('lock() blocks: on the main thread use lockAsync()');
    if (Atomics.compareExchange(this.words, this.index, 0, 1) === 0) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) Atomics.wait(this.words, this.index, 2, 250);
  }
}

/** Waits on a value the word does not hold: every wait comes back 'not-equal' at once. */
export class WrongValueLock {
  constructor(private readonly words: Int32Array) {}
  lock(): void {
    while (Atomics.compareExchange(this.words, 0, 0, 1) !== 0) Atomics.wait(this.words, 0, 7);
  }
}

/** Never touches the word with Atomics: a loop the played thread cannot stop by itself. */
export class PlainLoop {
  constructor(private readonly words: Int32Array) {}
  lock(): void {
    while (this.words[0] !== 0) {
      // spin without Atomics
    }
  }
}

export class Thrower {
  explode(): void {
    throw new RangeError('on purpose');
  }
}
