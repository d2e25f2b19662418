// Known-wrong: unlock() never calls Atomics.notify. lock() sleeps in Atomics.wait with a 10 ms timeout,
// so a waiter notices the free lock only when its nap runs out: every hand-over costs up to 10 ms.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';


export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    while (!this.tryLock()) Atomics.wait(this.words, this.index, 1, 10);
  }
  override async lockAsync(): Promise<void> {
    while (!this.tryLock()) {
      const result = Atomics.waitAsync(this.words, this.index, 1, 10);
      if (result.async) await result.value;
    }
  }
  override unlock(): void {
    Atomics.store(this.words, this.index, 0); // the mistake: nobody is woken
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
