// Correct alternative: the Go idiom. The bound is a channel of maxInFlight tokens used as a semaphore
// (take one before taking a job, give it back once that job's result is in the output); the jobs on their
// way wait in a second channel, in job order, for a delivery loop that sends them to the output.
import { Piscina } from 'piscina';
import { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const tokens = new Channel<true>(options.maxInFlight);
  for (let i = 0; i < options.maxInFlight; i++) await tokens.send(true);
  // Never full: a task gets in only with a token, and there are maxInFlight of them. (Each promise is wrapped in an
  // object: an async iterator that yields a promise awaits it, and a failed job would throw out of the loop.)
  const onTheirWay = new Channel<{ task: Promise<Result> }>(options.maxInFlight);
  const started: Promise<Result>[] = [];
  let failure: unknown;
  let failed = false;

  const deliver = async () => {
    for await (const { task } of onTheirWay) {
      if (failed) continue;
      try {
        await output.send(await task);
        await tokens.send(true);
      } catch (error) {
        failed = true;
        failure = error;
        tokens.close(); // wakes the taker if it waits for a token
      }
    }
  };
  const delivering = deliver();

  const iterator = Symbol.asyncIterator in jobs ? jobs[Symbol.asyncIterator]() : jobs[Symbol.iterator]();
  try {
    for (;;) {
      const token = await tokens.recv().catch(() => ({ done: true as const, value: undefined }));
      if (token.done || failed) break;
      const next = await iterator.next();
      if (next.done) break;
      const task = pool.run(next.value) as Promise<Result>;
      task.catch(() => undefined);
      started.push(task);
      await onTheirWay.send({ task });
    }
  } catch (error) {
    if (!failed) {
      failed = true;
      failure = error;
    }
  } finally {
    await iterator.return?.();
    onTheirWay.close();
  }
  await delivering;
  await Promise.allSettled(started);
  try {
    if (failed) {
      const error = failure instanceof Error ? failure : new Error(String(failure));
      output.close(error);
      throw error;
    }
    output.close();
  } finally {
    await pool.destroy();
  }
}
