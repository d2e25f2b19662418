/// <reference lib="es2024.sharedmemory" />
// Known-wrong: lockAsync() marks the word contended (2) but waits for it to change from 1: the word reads
// 2, so Atomics.waitAsync answers "not-equal" at once, synchronously, and the loop goes round again
// without ever awaiting: the main thread spins until the other thread lets go.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) {
      const result = Atomics.waitAsync(this.words, this.index, 1);
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
