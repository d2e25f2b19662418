// A correct alternative: the promise form of setImmediate from node:timers/promises, and a
// while loop that yields before every chunk but the first.
import { setImmediate } from 'node:timers/promises';

export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}

export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`runInChunks: total must be a whole number >= 0 (got ${total})`);
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`runInChunks: chunkSize must be a whole number >= 1 (got ${chunkSize})`);
  let done = 0;
  while (done < total) {
    const end = Math.min(total, done + chunkSize);
    work(done, end);
    done = end;
    if (done < total) await yieldToEventLoop();
  }
}
