// Exercise 06, step 3: yielding to the event loop. Replace each `throw` with your code; keep the types.

/** Resolves after the event loop has had a turn: due timers and waiting I/O run first. */
export function yieldToEventLoop(): Promise<void> {
  throw new Error('TODO step 3: resolve from a queue the event loop reaches only after timers and I/O');
}

/**
 * Calls `work(start, end)` for consecutive ranges of at most `chunkSize` that cover `[0, total)`,
 * in order, and yields to the event loop (yieldToEventLoop) between two chunks. A `total` or
 * `chunkSize` that is not a whole number, a `total` below 0 or a `chunkSize` below 1 rejects with a RangeError.
 */
export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  throw new Error('TODO step 3: run one chunk, yield, run the next');
}
