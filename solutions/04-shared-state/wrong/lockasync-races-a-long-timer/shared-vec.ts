// Known-wrong: lockAsync() races each Atomics.waitAsync against a 1 s timer (a "safety net") and, when the timer wins,
// starts a NEW wait. The old one is still in the word's waiter list: unlock()'s Atomics.notify(…, 1) wakes
// that abandoned wait (nobody listens to it), and the waiter that matters is not woken.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const nap = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) {
      const result = Atomics.waitAsync(this.words, this.index, 2);
      if (result.async) await Promise.race([result.value, nap(1_000)]);
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
