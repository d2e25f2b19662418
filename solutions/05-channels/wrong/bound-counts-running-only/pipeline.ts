// Known-wrong: "in flight" counted as "on the threads": the bound holds the jobs whose task has not finished yet, and a
// finished task leaves the count at once, although its result still waits its turn to be delivered. While the consumer
// stalls, the finished results pile up in the delivery chain and the pipeline keeps taking jobs.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const running = new Set<Promise<Result>>();
  const all: Promise<Result>[] = [];
  // Deliveries in job order: each waits for the one before it.
  let delivered: Promise<void> = Promise.resolve();
  try {
    for await (const job of jobs) {
      while (running.size >= options.maxInFlight) await Promise.race(running);
      const task = pool.run(job) as Promise<Result>;
      all.push(task);
      running.add(task);
      const done = () => running.delete(task);
      task.then(done, done);
      delivered = delivered.then(async () => output.send(await task));
      delivered.catch(() => undefined);
    }
    await delivered;
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(all);
    await pool.destroy();
  }
}
