// Known-wrong: Sizes checked with comparisons only (x < 0, x % 1 > 0): NaN fails every comparison, so
// runInChunks(NaN, 4, work) resolves having done nothing and runInChunks(10, NaN, work) calls work(0, NaN).
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
export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  if (total < 0 || total % 1 > 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`);
  if (chunkSize < 1 || chunkSize % 1 > 0) throw new RangeError(`chunkSize must be a whole number >= 1, got ${chunkSize}`);
  for (let start = 0; start < total; start += chunkSize) {
    if (start > 0) await yieldToEventLoop();
    work(start, Math.min(total, start + chunkSize));
  }
}
