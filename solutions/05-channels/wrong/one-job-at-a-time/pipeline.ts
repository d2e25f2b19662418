// Known-wrong: every job waits for its result before the next one is taken. In order, bounded, and
// closed properly, but the two threads take turns: one job in flight, never two at once.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  try {
    for await (const job of jobs) await output.send((await pool.run(job)) as Result); // the mistake: one at a time
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await pool.destroy();
  }
}
