// A correct alternative: yield before every chunk, the first one too (the caller's turn ends before any work).

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a whole number >= 1, got ${chunkSize}`);
  let start = 0;
  while (start < total) {
    await yieldToEventLoop();
    const end = Math.min(total, start + chunkSize);
    work(start, end);
    start = end;
  }
}
