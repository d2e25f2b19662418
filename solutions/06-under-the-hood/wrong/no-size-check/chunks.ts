// Known-wrong: no check of the sizes: a chunkSize of 0 (or below) loops for ever on the first chunk.
import { yieldToEventLoop } from '../../chunks.ts';
export { yieldToEventLoop } from '../../chunks.ts';

export async function runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void> {
  for (let start = 0; start < total; start += chunkSize) {
    if (start > 0) await yieldToEventLoop();
    work(start, Math.min(total, start + chunkSize));
  }
}
