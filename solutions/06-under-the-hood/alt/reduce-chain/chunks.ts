// Alternative: No async function: runInChunks checks its sizes (throwing at once) and returns a promise
// chain built with reduce, one link per chunk, each yielding before its work.
// A microtask runs before the event loop moves on, so `await Promise.resolve()` between chunks lets
// nobody else in. setImmediate runs in the loop's check phase: before it, every due timer has had
// its turn and every waiting socket has been read.

/** Resolves after the event loop has had a turn: due timers and waiting I/O run first. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Calls `work(start, end)` for consecutive ranges of at most `chunkSize` that cover `[0, total)`,
 * in order, and yields to the event loop between two chunks. A `total` or `chunkSize` that is not a
 * whole number, a `total` below 0 or a `chunkSize` below 1 rejects with a RangeError.
 */
export function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a whole number >= 1, got ${chunkSize}`);
  const starts = Array.from({ length: Math.ceil(total / chunkSize) }, (_, i) => i * chunkSize);
  // One link per chunk: each waits for the one before it, then for a turn of the loop, then works.
  return starts.reduce<Promise<void>>(
    (previous, start, i) =>
      previous.then(() => (i === 0 ? undefined : yieldToEventLoop())).then(() => work(start, Math.min(total, start + chunkSize))),
    Promise.resolve(),
  );
}
