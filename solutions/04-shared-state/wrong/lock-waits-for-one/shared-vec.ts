/// <reference lib="es2024.sharedmemory" />
// Known-wrong: lock() marks the word contended (2) but sleeps "while it reads 1": it reads 2, so
// Atomics.wait returns "not-equal" at once and the loop retries without ever sleeping: a spin lock by accident.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) Atomics.wait(this.words, this.index, 1);
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
