/// <reference lib="es2024.sharedmemory" />
// Known-wrong: snapshot() reads the length, then takes the lock and copies that many values: a push that
// completes while it waits for the lock is left out, though the copy is taken "under the lock".
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class SharedVec extends reference.SharedVec {
  override async snapshot(): Promise<number[]> {
    const length = this.words[reference.LENGTH]!;
    const mutex = new reference.AtomicsMutex(this.words, reference.LOCK);
    await mutex.lockAsync();
    try {
      return Array.from(this.words.subarray(reference.SLOTS, reference.SLOTS + length));
    } finally {
      mutex.unlock();
    }
  }
}

export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
