/// <reference lib="es2024.sharedmemory" />
// Known-wrong: the lost wake-up, on the main thread: lockAsync() marks the word contended and sleeps, but
// once woken takes the lock with tryLock() (0 -> 1), as if nobody else waited; threads still asleep in
// lock() are never woken by its unlock().
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    while (!this.tryLock()) {
      Atomics.compareExchange(this.words, this.index, 1, 2);
      const result = Atomics.waitAsync(this.words, this.index, 2);
      if (result.async) await result.value;
    }
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
