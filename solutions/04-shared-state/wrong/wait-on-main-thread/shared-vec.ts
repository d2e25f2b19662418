// Known-wrong: lockAsync() simply calls the blocking lock(), so the main thread sleeps in Atomics.wait
// and its event loop freezes while another thread holds the lock.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class AtomicsMutex extends reference.AtomicsMutex {
  // eslint-disable-next-line @typescript-eslint/require-await -- the mistake: nothing here awaits
  override async lockAsync(): Promise<void> {
    this.lock();
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
