/// <reference lib="es2024.sharedmemory" />
// Known-wrong: the three-state lock with a 50 ms safety net on every sleep, but lockAsync() takes the lock with
// tryLock() (0 -> 1) once it is woken, as if nobody else waited. A thread still asleep in lock() is not woken
// by its unlock(): it only gets back when its own 50 ms nap runs out. The timeout hides the lost wake-up.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const NAP_MS = 50;

export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) Atomics.wait(this.words, this.index, 2, NAP_MS);
  }
  override async lockAsync(): Promise<void> {
    while (!this.tryLock()) {
      Atomics.compareExchange(this.words, this.index, 1, 2);
      const result = Atomics.waitAsync(this.words, this.index, 2, NAP_MS);
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
