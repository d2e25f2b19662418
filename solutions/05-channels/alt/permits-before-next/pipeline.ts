// Correct alternative for exercise 05, step 2: the bound as permits. A hand-written counting semaphore
// holds maxInFlight permits; the source's iterator is driven by hand, and a permit is taken *before*
// each next(), so a job is never out of the source without one. Each job's delivery is chained behind
// the previous one (results leave in job order), and its permit comes back once output.send() is done.
import { Piscina } from 'piscina';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
export * from '../../pipeline.ts';

class Permits {
  readonly #waiting: (() => void)[] = [];
  constructor(private free: number) {}
  take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
  give(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export async function processOnThreads(jobs: AsyncIterable<Job> | Iterable<Job>, output: Channel<Result>, options: PipelineOptions): Promise<void> {
  const pool = new Piscina({ filename: new URL('../../pipeline.worker.ts', import.meta.url).href, minThreads: options.threads, maxThreads: options.threads });
  const source: AsyncIterator<Job> | Iterator<Job> = Symbol.asyncIterator in jobs ? jobs[Symbol.asyncIterator]() : jobs[Symbol.iterator]();
  const permits = new Permits(options.maxInFlight);
  const tasks: Promise<unknown>[] = [];
  let failure: { error: unknown } | undefined;
  // The chain of deliveries: each one waits for the one before it.
  let delivered: Promise<void> = Promise.resolve();
  let finished = false;
  try {
    for (;;) {
      await permits.take();
      if (failure) break;
      const next = await source.next();
      if (next.done) {
        finished = true;
        break;
      }
      const task = pool.run(next.value) as Promise<Result>;
      task.catch(() => undefined); // handled when its turn comes
      tasks.push(task);
      delivered = delivered.then(async () => {
        if (failure) return;
        try {
          await output.send(await task);
        } catch (error) {
          failure ??= { error };
        }
        // Delivered (or failed: then the loop wakes, sees the failure and stops taking jobs).
        permits.give();
      });
    }
    await delivered;
    if (failure) throw failure.error;
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    if (!finished) await source.return?.();
    await Promise.allSettled(tasks);
    await pool.destroy();
  }
}
