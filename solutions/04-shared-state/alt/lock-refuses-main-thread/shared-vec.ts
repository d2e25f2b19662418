/// <reference lib="es2024.sharedmemory" />
// Correct alternative: lock() blocks in Atomics.wait, which would freeze the main thread's event loop, so it
// refuses to run there and points at lockAsync(). Every thread that may call it (the workers) still can.
import { isMainThread } from 'node:worker_threads';
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    if (isMainThread) throw new Error('lock() blocks: on the main thread use lockAsync()');
    super.lock();
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
