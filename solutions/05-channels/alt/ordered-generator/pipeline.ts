// Correct alternative: the window as an async generator that yields the results in job order, at most
// maxInFlight taken and not yet delivered (the one it yields counts until the consumer of the generator
// asks for the next); processOnThreads sends each to the output with a plain for-await loop.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

async function* inOrder<T, R>(source: AsyncIterable<T> | Iterable<T>, limit: number, run: (item: T) => Promise<R>, started: Promise<R>[]): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  for await (const item of source) {
    const task = run(item);
    task.catch(() => undefined);
    started.push(task);
    window.push(task);
    if (window.length >= limit) yield await window.shift()!;
  }
  while (window.length > 0) yield await window.shift()!;
}

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const started: Promise<Result>[] = [];
  try {
    for await (const result of inOrder(jobs, options.maxInFlight, (job) => pool.run(job) as Promise<Result>, started)) {
      await output.send(result);
    }
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(started);
    await pool.destroy();
  }
}
