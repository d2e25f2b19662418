/// <reference lib="es2024.sharedmemory" />
// Known-wrong: push() unlocks after the append, without a finally: a push that throws keeps the lock.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class SharedVec extends reference.SharedVec {
  override push(value: number): void {
    const mutex = (this as unknown as { mutex: reference.AtomicsMutex }).mutex;
    mutex.lock();
    this.append(value);
    mutex.unlock();
  }
}

export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
