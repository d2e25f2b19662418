// Known-wrong: when a job fails, the pipeline cancels the jobs still on the threads (an AbortSignal given to
// every pool.run), as fan-out does: a job already running on the other thread is cut off instead of finishing.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const cancel = new AbortController();
  const window: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      const task = pool.run(job, { signal: cancel.signal }) as Promise<Result>;
      task.catch(() => undefined);
      window.push(task);
      while (window.length >= options.maxInFlight) await output.send(await window.shift()!);
    }
    while (window.length > 0) await output.send(await window.shift()!);
    output.close();
  } catch (error) {
    // One job failed: nobody needs the others any more, so stop them rather than wait for them.
    cancel.abort();
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(window);
    await pool.destroy();
  }
}
