// Known-wrong: the three-state mutex with the classic lost wake-up. A woken waiter takes the lock with
// compareExchange(0, 1), forgetting that others may still sleep; the lock word says 1 (nobody waits),
// so its unlock() notifies nobody and the sleepers sleep on.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';


export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    if (this.tryLock()) return;
    for (;;) {
      // Announce that we wait (1 -> 2), and sleep while it is held and contended.
      Atomics.compareExchange(this.words, this.index, 1, 2);
      Atomics.wait(this.words, this.index, 2);
      // The mistake: taking it as "locked, nobody waiting" (1), though other waiters may be asleep.
      if (Atomics.compareExchange(this.words, this.index, 0, 1) === 0) return;
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
