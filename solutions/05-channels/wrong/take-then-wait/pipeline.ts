// Known-wrong: the bound is checked after the next job was taken. `for await` pulls a job from the
// source first; only then does the loop wait for room in the window, so while it waits one job more
// than maxInFlight is out of the source (taken, not yet on a thread, not yet delivered).
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const window: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      // Room for this job? Deliver the oldest first.
      while (window.length >= options.maxInFlight) await output.send(await window.shift()!);
      const task = pool.run(job) as Promise<Result>;
      task.catch(() => undefined);
      window.push(task);
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
