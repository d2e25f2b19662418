/// <reference lib="es2024.sharedmemory" />
// Correct alternative: Drepper's "mutex 2" (Futexes Are Tricky) as written there: lock() remembers what
// compareExchange saw and only swaps in "contended" when it must; unlock() is one Atomics.sub, and only
// when that leaves the word at 1 (it was contended) does it free the word and wake one sleeper.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const FREE = 0;
const LOCKED = 1;
const CONTENDED = 2;

export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    let seen = Atomics.compareExchange(this.words, this.index, FREE, LOCKED);
    if (seen === FREE) return;
    if (seen !== CONTENDED) seen = Atomics.exchange(this.words, this.index, CONTENDED);
    while (seen !== FREE) {
      Atomics.wait(this.words, this.index, CONTENDED);
      seen = Atomics.exchange(this.words, this.index, CONTENDED);
    }
  }

  override async lockAsync(): Promise<void> {
    let seen = Atomics.compareExchange(this.words, this.index, FREE, LOCKED);
    if (seen === FREE) return;
    if (seen !== CONTENDED) seen = Atomics.exchange(this.words, this.index, CONTENDED);
    while (seen !== FREE) {
      const result = Atomics.waitAsync(this.words, this.index, CONTENDED);
      if (result.async) await result.value;
      seen = Atomics.exchange(this.words, this.index, CONTENDED);
    }
  }

  override unlock(): void {
    if (Atomics.sub(this.words, this.index, 1) !== LOCKED) {
      Atomics.store(this.words, this.index, FREE);
      Atomics.notify(this.words, this.index, 1);
    }
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
