/// <reference lib="es2024.sharedmemory" />
// Correct alternative: lockAsync() always awaits Atomics.waitAsync(...).value, whether the wait went
// asynchronous or answered at once ('not-equal'): awaiting a plain string costs one microtask, then it retries.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    while (Atomics.compareExchange(this.words, this.index, 0, 1) !== 0) {
      // Say that someone waits (1 -> 2) unless it was freed meanwhile, then sleep while it reads 2.
      if (Atomics.compareExchange(this.words, this.index, 1, 2) === 0) continue;
      await Atomics.waitAsync(this.words, this.index, 2).value;
      // Woken: take it as contended, since others may still sleep.
      if (Atomics.compareExchange(this.words, this.index, 0, 2) === 0) return;
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
