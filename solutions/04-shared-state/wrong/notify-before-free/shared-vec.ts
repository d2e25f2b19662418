/// <reference lib="es2024.sharedmemory" />
// Known-wrong: the reference's three-state mutex, but unlock() wakes a sleeper first and frees the word after.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const FREE = 0;
const CONTENDED = 2;

export class AtomicsMutex extends reference.AtomicsMutex {
  override unlock(): void {
    // Wake the next one first, so it is on its way while we free the word.
    if (Atomics.load(this.words, this.index) === CONTENDED) Atomics.notify(this.words, this.index, 1);
    Atomics.store(this.words, this.index, FREE);
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
