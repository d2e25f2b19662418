// Known-wrong: the window of tasks is right, but a task promise gets a handler only when its turn to be
// delivered comes: a job that fails while an earlier one is still awaited is a rejection nobody listens to.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const window: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      window.push(pool.run(job) as Promise<Result>);
      while (window.length >= options.maxInFlight) await output.send(await window.shift()!);
    }
    while (window.length > 0) await output.send(await window.shift()!);
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(window);
    await pool.destroy();
  }
}
