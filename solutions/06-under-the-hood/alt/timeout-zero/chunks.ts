// A correct alternative: yield with a zero-delay timer. The timers phase comes first in each turn of
// the loop, so due timers and waiting I/O get their turn too. Node waits at least 1 ms for it,
// though: each yield costs a millisecond, where setImmediate costs next to nothing.

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function* ranges(total: number, chunkSize: number): Generator<[number, number]> {
  for (let start = 0; start < total; start += chunkSize) yield [start, Math.min(total, start + chunkSize)];
}

export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  if (!Number.isInteger(total) || total < 0 || !Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RangeError(`runInChunks(${total}, ${chunkSize}): both must be whole numbers, total >= 0 and chunkSize >= 1`);
  }
  let first = true;
  for (const [start, end] of ranges(total, chunkSize)) {
    if (!first) await yieldToEventLoop();
    first = false;
    work(start, end);
  }
}
