/// <reference lib="es2024.sharedmemory" />
// Known-wrong: tryLock() takes the lock with exchange(1), "atomic, so fine": when it fails on a word that
// reads 2 (held, someone asleep), it has just overwritten that 2 with a 1, and the holder's unlock()
// no longer knows anyone sleeps: it wakes nobody.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override tryLock(): boolean {
    return Atomics.exchange(this.words, this.index, 1) === 0;
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
