// Correct alternative: the threads are shut down with pool.close() (once the window has settled, nothing is left
// for it to drop) instead of pool.destroy(); the window is a Map from sequence number to task.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const inFlight = new Map<number, Promise<Result>>();
  let taken = 0;
  let delivered = 0;
  const deliverOldest = async () => {
    const task = inFlight.get(delivered)!;
    const result = await task;
    await output.send(result);
    inFlight.delete(delivered);
    delivered++;
  };
  try {
    for await (const job of jobs) {
      const task = pool.run(job) as Promise<Result>;
      task.catch(() => {});
      inFlight.set(taken++, task);
      if (inFlight.size >= options.maxInFlight) await deliverOldest();
    }
    while (inFlight.size > 0) await deliverOldest();
    output.close();
  } catch (error) {
    output.close(error as Error);
    throw error;
  } finally {
    await Promise.allSettled(inFlight.values());
    await pool.close();
  }
}
