// Exercise 06, step 3: yielding to the event loop (reference solution).
// A microtask runs before the event loop moves on, so `await Promise.resolve()` between chunks lets
// nobody else in. setImmediate runs in the loop's check phase: before it, every due timer has had
// its turn and every waiting socket has been read.

/** Resolves after the event loop has had a turn: due timers and waiting I/O run first. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Calls `work(start, end)` for consecutive ranges of at most `chunkSize` that cover `[0, total)`,
 * in order, and yields to the event loop between two chunks.
 */
export function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the mistake: nothing calls reject when a later chunk throws
  return new Promise((resolve, reject) => {
    if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`);
    if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a whole number >= 1, got ${chunkSize}`);
    // One chunk per turn of the event loop, each scheduled by the one before it.
    const step = (start: number) => {
      work(start, Math.min(total, start + chunkSize));
      const next = start + chunkSize;
      if (next < total) setImmediate(step, next);
      else resolve();
    };
    if (total === 0) resolve();
    else step(0);
  });
}
