// Exercise 06, step 3: yielding to the event loop (an alternative: a fresh MessageChannel per yield).
// A microtask runs before the event loop moves on, so `await Promise.resolve()` between chunks lets
// nobody else in. setImmediate runs in the loop's check phase: before it, every due timer has had
// its turn and every waiting socket has been read.

/**
 * Resolves after the event loop has had a turn. A MessageChannel of its own for every yield: Node
 * delivers a port's waiting messages in one go, so one channel kept for every yield would run the
 * next chunk before any timer; a new port's first message comes from the loop, after timers and I/O.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.once('message', () => {
      port1.close();
      resolve();
    });
    port2.postMessage(0);
  });
}

/**
 * Calls `work(start, end)` for consecutive ranges of at most `chunkSize` that cover `[0, total)`,
 * in order, and yields to the event loop between two chunks.
 */
export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a whole number >= 1, got ${chunkSize}`);
  for (let start = 0; start < total; start += chunkSize) {
    if (start > 0) await yieldToEventLoop();
    work(start, Math.min(total, start + chunkSize));
  }
}
