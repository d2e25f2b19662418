/// <reference lib="es2024.sharedmemory" />
// Known-wrong: lockAsync() tries the lock again every millisecond on a timer (no Atomics.waitAsync).
import { setTimeout as sleep } from 'node:timers/promises';
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override async lockAsync(): Promise<void> {
    // The main thread must not block: try again a moment later instead of waiting.
    while (!this.tryLock()) await sleep(1);
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
