// A correct alternative: the three-state lock, but every sleep has a timeout as a safety net (50 ms on
// a thread, 50 ms on the main thread), after which the waiter simply looks again. unlock() still wakes
// one sleeper with Atomics.notify, so a hand-over happens at the notify, not when a nap runs out.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const NAP_MS = 50;

export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    if (this.tryLock()) return;
    while (Atomics.exchange(this.words, this.index, 2) !== 0) Atomics.wait(this.words, this.index, 2, NAP_MS);
  }
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
