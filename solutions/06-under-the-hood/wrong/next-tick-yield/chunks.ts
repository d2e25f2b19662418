// Known-wrong: yields through process.nextTick, which runs even before the microtasks.

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
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
