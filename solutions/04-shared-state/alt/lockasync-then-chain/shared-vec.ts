// A correct alternative: lockAsync() without async/await, as a chain of .then() calls: each round marks
// the word contended and, if it is still held, continues when Atomics.waitAsync's promise resolves.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override lockAsync(): Promise<void> {
    if (this.tryLock()) return Promise.resolve();
    const round = (): Promise<void> => {
      if (Atomics.exchange(this.words, this.index, 2) === 0) return Promise.resolve();
      const result = Atomics.waitAsync(this.words, this.index, 2);
      return result.async ? result.value.then(round) : round();
    };
    return round();
  }
}

export class SharedVec extends reference.SharedVec {
  protected override createMutex(words: Int32Array, index: number): AtomicsMutex {
    return new AtomicsMutex(words, index);
  }
}

export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
