// Known-wrong: lockAsync() never calls Atomics.wait, and awaits on every try, so it looks asynchronous.
// But what it awaits is an already-resolved promise: a microtask, which runs before any timer, I/O or
// other task gets a turn. The main thread spins until the lock is free, and its event loop stands still.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    while (!this.tryLock()) await Promise.resolve(); // the mistake: a microtask is not a wait
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
