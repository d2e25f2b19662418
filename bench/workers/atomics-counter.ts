// A piscina task for the Atomics mutex row: lock, increment a plain (non-atomic) counter, unlock,
// `count` times. With a real mutex no increment is lost; without one, threads overwrite each other.
// The mutexes are imported statically: inside a worker thread, tsx loads static imports only.
import { AtomicsMutex as ReferenceMutex, StartGate, pause } from '../../solutions/04-shared-state/shared-vec.ts';
import { AtomicsMutex as LoadThenStoreMutex } from '../../solutions/04-shared-state/wrong/load-then-store/shared-vec.ts';

export interface CounterTask {
  mutex: 'reference' | 'load-then-store';
  /** [lock word, counter] in one SharedArrayBuffer. */
  words: Int32Array;
  count: number;
  /** The exercise's start gate: every thread starts counting at the same moment, so they contend. */
  gate: Int32Array;
  /** Sleep ~0.1 ms between the read and the write (the exercise's pause): a race then shows every time. */
  slow: boolean;
}

export default function countUnderLock({ mutex: which, words, count, gate, slow }: CounterTask): number {
  const mutex = which === 'reference' ? new ReferenceMutex(words, 0) : new LoadThenStoreMutex(words, 0);
  StartGate.arriveAndWait(gate);
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    mutex.lock();
    // A read and a write, not Atomics.add: only the mutex keeps them together.
    const value = words[1]!;
    if (slow) pause();
    words[1] = value + 1;
    mutex.unlock();
  }
  return performance.now() - start;
}
