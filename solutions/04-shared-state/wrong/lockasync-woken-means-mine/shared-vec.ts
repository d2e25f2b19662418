// Known-wrong: lockAsync() takes being woken as being given the lock: after waitAsync returns it
// stores 'locked' without checking. Between the unlock and its wake-up another thread may have taken
// the lock with compareExchange: then both hold it.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';


export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    if (this.tryLock()) return;
    const seen = Atomics.load(this.words, this.index);
    const result = Atomics.waitAsync(this.words, this.index, seen);
    if (result.async) await result.value;
    // The mistake: woken means mine. No compareExchange: whoever came in meanwhile is overwritten.
    Atomics.store(this.words, this.index, 1);
  }
  override unlock(): void {
    Atomics.store(this.words, this.index, 0);
    Atomics.notify(this.words, this.index, 1);
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
