// Loaded first in every test process (the kata project's execArgv, before `--import tsx`). tsx's
// loader hooks route every later import through a worker thread, which makes loading vitest's own
// runtime in a test process several times slower; imported here, before tsx registers, it loads at
// full speed and is already in the module cache when vitest asks for it.
// Worker threads inherit these flags too (that is how piscina workers get tsx): they skip this.
// Only a speed-up: if a vitest version moves these entry points, the tests still run, just slower.
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  try {
    await import('vitest/worker');
    await import('vitest');
  } catch {
    // Nothing to do: see above.
  }
}
