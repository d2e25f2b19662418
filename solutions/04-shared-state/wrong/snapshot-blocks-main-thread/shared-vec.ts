// Known-wrong: snapshot() takes the lock with the blocking lock(), on the main thread: while another
// thread holds the lock, Atomics.wait freezes the event loop.
import * as reference from '../../shared-vec.ts';
import { AtomicsMutex, LENGTH, LOCK, SLOTS } from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class SharedVec extends reference.SharedVec {
  private readonly blocking = new AtomicsMutex(this.words, LOCK);

  // eslint-disable-next-line @typescript-eslint/require-await -- the mistake: it blocks instead of awaiting
  override async snapshot(): Promise<number[]> {
    this.blocking.lock();
    try {
      return Array.from(this.words.subarray(SLOTS, SLOTS + this.words[LENGTH]!));
    } finally {
      this.blocking.unlock();
    }
  }
}

// The rest is the reference, with this folder's worker (it loads this file).
export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
