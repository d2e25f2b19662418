// Known-wrong: the window awaits output.send() while it is full, but the final drain, once the source has
// run dry, does not: its sends wait for room in a full output while output.close() runs, and close()
// rejects them: the last results are lost whenever the consumer is slow at the end.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const window: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      const task = pool.run(job) as Promise<Result>;
      task.catch(() => undefined);
      window.push(task);
      while (window.length >= options.maxInFlight) await output.send(await window.shift()!);
    }
    // The mistake: the last results are handed to output.send() without waiting for it.
    while (window.length > 0) output.send(await window.shift()!).catch(() => undefined);
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(window);
    await pool.destroy();
  }
}
