/// <reference lib="es2024.sharedmemory" />
// Known-wrong: the lock checks with Atomics.load, then takes with Atomics.store: two steps, not one.
// The pause() between them widens the window every such lock has, so the race shows every time
// (FIELD-NOTES: make a race lose updates every time), as it eventually would in production.
import * as reference from '../../shared-vec.ts';
import { pause } from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

// The lock word: 0 free, 1 locked.
const FREE = 0;
const LOCKED = 1;

export class AtomicsMutex extends reference.AtomicsMutex {
  override tryLock(): boolean {
    if (Atomics.load(this.words, this.index) !== FREE) return false;
    pause();
    Atomics.store(this.words, this.index, LOCKED);
    return true;
  }

  override lock(): void {
    for (;;) {
      const seen = Atomics.load(this.words, this.index);
      if (seen === FREE) {
        pause(); // the gap between the check and the take
        Atomics.store(this.words, this.index, LOCKED);
        return;
      }
      Atomics.wait(this.words, this.index, seen);
    }
  }

  override async lockAsync(): Promise<void> {
    for (;;) {
      const seen = Atomics.load(this.words, this.index);
      if (seen === FREE) {
        Atomics.store(this.words, this.index, LOCKED);
        return;
      }
      const result = Atomics.waitAsync(this.words, this.index, seen);
      if (result.async) await result.value;
    }
  }

  override unlock(): void {
    Atomics.store(this.words, this.index, FREE);
    Atomics.notify(this.words, this.index, 1);
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
