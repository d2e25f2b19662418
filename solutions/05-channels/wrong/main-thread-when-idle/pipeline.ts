// Known-wrong: small jobs are computed inline on the main thread .
// while its worker threads are still shutting down.
import { Piscina } from "piscina";
import type { Channel } from "../../channel.ts";
import type { Job, PipelineOptions, Result } from "../../pipeline.ts";
export * from "../../pipeline.ts";
import { checksum } from "../../pipeline.ts";
import { threadId } from "node:worker_threads";

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const window: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      const task = (job.units <= 2 ? Promise.resolve({ id: job.id, checksum: checksum(job), threadId }) : pool.run(job)) as Promise<Result>; // the mistake: small jobs on the main thread
      task.catch(() => undefined);
      window.push(task);
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
