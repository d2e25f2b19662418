// Known-wrong: lock() waits with a 10 ms timeout on the word reading 1, and never marks it 2
// ("someone is waiting"); unlock() notifies only when it finds a 2, so it never wakes the sleeper,
// which finds the lock free only when one of its naps runs out.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    while (!this.tryLock()) Atomics.wait(this.words, this.index, 1, 10);
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
