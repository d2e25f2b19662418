// Known-wrong: every job goes to the pool at once (pool.run never says no), then the results are
// delivered in order. Nothing bounds what is in flight: all 60 jobs are queued on the threads.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const running: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      const task = pool.run(job) as Promise<Result>;
      task.catch(() => undefined);
      running.push(task); // the mistake: no bound
    }
    for (const task of running) await output.send(await task);
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(running);
    await pool.destroy();
  }
}
