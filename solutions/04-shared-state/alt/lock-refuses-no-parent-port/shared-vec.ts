/// <reference lib="es2024.sharedmemory" />
// Correct alternative: lock() blocks in Atomics.wait, so it refuses the main thread. This thread's kind is read
// once, when the module loads: only the main thread has no parent port.
import { parentPort } from 'node:worker_threads';
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

const onMainThread = parentPort === null;

export class AtomicsMutex extends reference.AtomicsMutex {
  override lock(): void {
    if (onMainThread) throw new Error('lock() would block the event loop: the main thread takes the lock with lockAsync()');
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
