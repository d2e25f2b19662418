// Known-wrong: snapshot() copies the contents without taking the lock. Right after fillFromThreads()
// nobody pushes any more, so the copy happens to be right there; while a push is under way it is not.
import * as reference from '../../shared-vec.ts';
import { LENGTH, SLOTS } from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export class SharedVec extends reference.SharedVec {
  // eslint-disable-next-line @typescript-eslint/require-await -- the mistake: it never waits for the lock
  override async snapshot(): Promise<number[]> {
    return Array.from(this.words.subarray(SLOTS, SLOTS + this.words[LENGTH]!));
  }
}

// The rest is the reference, with this folder's worker (it loads this file).
export function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  return reference.fillFromThreadsWith(SharedVec, new URL('./shared-vec.worker.ts', import.meta.url), threads, perThread);
}
