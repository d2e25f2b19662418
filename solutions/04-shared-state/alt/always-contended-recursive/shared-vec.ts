/// <reference lib="es2024.sharedmemory" />
// A correct alternative: every taker swaps in 2 ("contended") at once, even on a free lock, so the word never
// says "nobody waiting" and unlock() notifies whenever the lock was taken; lockAsync() is written as a recursion
// (wait, then try again by calling itself) instead of a loop.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override tryLock(): boolean {
    return Atomics.compareExchange(this.words, this.index, 0, 2) === 0;
  }
  override lock(): void {
    while (Atomics.exchange(this.words, this.index, 2) !== 0) Atomics.wait(this.words, this.index, 2);
  }
  override async lockAsync(): Promise<void> {
    if (Atomics.exchange(this.words, this.index, 2) === 0) return;
    const result = Atomics.waitAsync(this.words, this.index, 2);
    if (result.async) await result.value;
    return this.lockAsync();
  }
  override unlock(): void {
    if (Atomics.exchange(this.words, this.index, 0) === 2) Atomics.notify(this.words, this.index, 1);
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
