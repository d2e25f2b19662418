// Known-wrong: node:stream as the window, Readable.from(source).map(job => pool.run(job), { concurrency: maxInFlight }):
// the stream reads ahead of map(), and map() keeps finished results of its own, so more than maxInFlight jobs are out of the source at once.
import { Readable } from 'node:stream';
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const started: Promise<Result>[] = [];
  // map() runs at most `concurrency` jobs at once: the bound, it seems.
  const results = Readable.from(jobs).map(
    (job: Job) => {
      const task = pool.run(job) as Promise<Result>;
      started.push(task);
      return task;
    },
    { concurrency: options.maxInFlight },
  );
  try {
    for await (const result of results as AsyncIterable<Result>) await output.send(result);
    output.close();
  } catch (error) {
    output.close(error as Error);
    throw error;
  } finally {
    await Promise.allSettled(started);
    await pool.destroy();
  }
}
