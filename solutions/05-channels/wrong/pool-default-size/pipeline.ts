// Known-wrong: the reference pipeline, but its pool is left at piscina's defaults (up to 1.5 x cores
// threads) instead of options.threads.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import { processWithPool, type Job, type PipelineOptions, type Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href }); // the mistake: no size
  return processWithPool(pool, jobs, output, options);
}
