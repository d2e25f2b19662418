/// <reference lib="es2024.sharedmemory" />
// Correct alternative: the simplest mutex that sleeps. The word is 0 (free) or 1 (held): take it with
// compareExchange(0 -> 1), sleep while it reads 1, and on unlock always wake one sleeper. It calls
// Atomics.notify even when nobody waits (the reference's third state, "contended", saves that call).
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const FREE = 0;
const HELD = 1;

export class AtomicsMutex extends reference.AtomicsMutex {
  override tryLock(): boolean {
    return Atomics.compareExchange(this.words, this.index, FREE, HELD) === FREE;
  }

  override lock(): void {
    while (!this.tryLock()) Atomics.wait(this.words, this.index, HELD);
  }

  override async lockAsync(): Promise<void> {
    while (!this.tryLock()) {
      const result = Atomics.waitAsync(this.words, this.index, HELD);
      if (result.async) await result.value;
    }
  }

  override unlock(): void {
    Atomics.store(this.words, this.index, FREE);
    Atomics.notify(this.words, this.index, 1);
  }
}

// The rest is the reference, guarded by this mutex, with this folder's worker (it loads this file).
export class SharedVec extends reference.SharedVec {
  protected override createMutex(words: Int32Array, index: number): AtomicsMutex {
    return new AtomicsMutex(words, index);
  }
}

export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
