// Known-wrong: push() has a perfectly good mutex and never takes it.
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class SharedVec extends reference.SharedVec {
  override push(value: number): void {
    this.append(value); // the mistake: the critical section, without the lock
  }
}

// The rest is the reference, with this folder's worker (it loads this file).
export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
