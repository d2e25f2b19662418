// Known-wrong: the three-state lock with the notify in unlock(), but lockAsync() naps only 1 ms at a time and looks
// again each time: woken at the end by the notify, but polling all along (a thousand wake-ups a second).
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const NAP_MS = 1;

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) {
      const result = Atomics.waitAsync(this.words, this.index, 2, NAP_MS);
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
