// Known-wrong: lockAsync() is the simple 0/1 kind (tryLock, then a 10 ms nap on the value it saw), but
// unlock() is the three-state kind: it notifies only when it finds a 2 ("someone is waiting"). lockAsync()
// never writes that 2, so against a holder that took the lock as 1 nobody wakes it, and it finds the
// lock free only when one of its naps runs out.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    while (!this.tryLock()) {
      const seen = Atomics.load(this.words, this.index);
      if (seen === 0) continue;
      const result = Atomics.waitAsync(this.words, this.index, seen, 10);
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
