/// <reference lib="es2024.sharedmemory" />
// Known-wrong: push() checks "is it full?" before it takes the lock: two threads can both see one free slot,
// and the second writes past the end (an Int32Array ignores it) and still counts it.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class SharedVec extends reference.SharedVec {
  override push(value: number): void {
    if (this.words[reference.LENGTH]! >= this.capacity) throw new RangeError(`SharedVec is full (capacity ${this.capacity})`);
    const mutex = new reference.AtomicsMutex(this.words, reference.LOCK);
    mutex.lock();
    try {
      const length = this.words[reference.LENGTH]!;
      this.words[reference.SLOTS + length] = value;
      reference.pause();
      this.words[reference.LENGTH] = length + 1;
    } finally {
      mutex.unlock();
    }
  }
}

export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
