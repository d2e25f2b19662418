// Known-wrong: a bounded window, but each result is delivered as soon as its thread is done, in the
// order the threads finish rather than the order of the jobs.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const inFlight = new Set<Promise<Result>>();
  const finished: Result[] = [];
  let failure: Error | undefined;
  const start = (job: Job) => {
    const task = pool.run(job) as Promise<Result>;
    inFlight.add(task);
    task.then(
      (result) => finished.push(result), // the mistake: completion order
      (error: unknown) => (failure ??= error instanceof Error ? error : new Error(String(error))),
    ).finally(() => inFlight.delete(task)).catch(() => undefined);
  };
  const deliverOne = async () => {
    while (finished.length === 0 && failure === undefined) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    await output.send(finished.shift()!);
  };
  try {
    for await (const job of jobs) {
      start(job);
      while (inFlight.size + finished.length >= options.maxInFlight) await deliverOne();
    }
    while (inFlight.size + finished.length > 0) await deliverOne();
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(inFlight);
    await pool.destroy();
  }
}
