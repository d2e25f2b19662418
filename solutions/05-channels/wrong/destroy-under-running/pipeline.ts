// Known-wrong: the pool is destroyed as soon as the pipeline ends, even while jobs of the window still run.
//
import { Piscina } from "piscina";
import type { Channel } from "../../channel.ts";
import type { Job, PipelineOptions, Result } from "../../pipeline.ts";
export * from "../../pipeline.ts";

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
    while (window.length > 0) await output.send(await window.shift()!);
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await pool.destroy(); // the mistake: jobs still on the threads are not waited for
  }
}
