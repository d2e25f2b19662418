// Worker side of bench.ts (not part of the exercise): lock/unlock an AtomicsMutex in a loop.
import { AtomicsMutex } from './shared-vec.ts';

export interface BenchTask {
  words: Int32Array;
  iterations: number;
  gate: Int32Array;
}

export default function hammer({ words, iterations, gate }: BenchTask): number {
  const mutex = new AtomicsMutex(words, 0);
  Atomics.add(gate, 0, 1);
  Atomics.notify(gate, 0);
  Atomics.wait(gate, 1, 0, 5_000);
  for (let i = 0; i < iterations; i++) {
    mutex.lock();
    words[1] = words[1]! + 1; // a plain, unprotected-looking increment: only the lock keeps it exact
    mutex.unlock();
  }
  // When this thread finished, in epoch milliseconds (comparable with the main thread's clock).
  return performance.timeOrigin + performance.now();
}
