// Known-wrong: the last chunk is not cut at total: runInChunks(10, 4, work) calls work(8, 12).
import { yieldToEventLoop } from '../../chunks.ts';
export { yieldToEventLoop } from '../../chunks.ts';

export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  if (!Number.isInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0, got ${total}`);
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a whole number >= 1, got ${chunkSize}`);
  for (let start = 0; start < total; start += chunkSize) {
    if (start > 0) await yieldToEventLoop();
    work(start, start + chunkSize);
  }
}
