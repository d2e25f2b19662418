// Correct alternative for exercise 05, step 3: no jobs channel and no worker loops. The producer itself
// starts each job as soon as one of `workers` slots is free (a counting semaphore of kept resolves), so
// N jobs run at once and a slot never sits idle while jobs wait; the results channel closes once the
// producer has stopped and every started job has settled.
import { Channel } from '../../channel.ts';
import type { FanOutOptions } from '../../fan-out.ts';
export type { FanOutOptions } from '../../fan-out.ts';

export function fanOut<J, R>(
  jobs: Iterable<J> | AsyncIterable<J>,
  work: (job: J, signal: AbortSignal) => Promise<R>,
  options: FanOutOptions,
): Channel<R> {
  const results = new Channel<R>(options.capacity);
  const controller = new AbortController();
  const { signal } = controller;
  let failure: Error | undefined;
  let free = options.workers;
  const waiting: (() => void)[] = [];
  const started = new Set<Promise<void>>();

  const stop = () => {
    if (!signal.aborted) controller.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();
  // An abort wakes the producer if it waits for a slot.
  signal.addEventListener('abort', () => waiting.splice(0).forEach((wake) => wake()), { once: true });

  const slot = () => (free > 0 ? (free--, Promise.resolve(true)) : new Promise<boolean>((resolve) => waiting.push(() => resolve(!signal.aborted))));
  const release = () => {
    const next = waiting.shift();
    if (next) next(); // the slot goes straight to the waiting producer
    else free++;
  };

  const run = async (job: J) => {
    try {
      const result = await work(job, signal);
      await results.send(result);
    } catch (error) {
      if (!signal.aborted) {
        failure ??= error instanceof Error ? error : new Error(String(error));
        stop();
      }
    } finally {
      release();
    }
  };

  void (async () => {
    try {
      for await (const job of jobs) {
        if (signal.aborted) break;
        if (!(await slot()) || signal.aborted) break;
        const task = run(job);
        started.add(task);
        void task.finally(() => started.delete(task));
      }
    } catch (error) {
      failure ??= error instanceof Error ? error : new Error(String(error));
      stop();
    }
    while (started.size > 0) await Promise.allSettled([...started]);
    options.signal?.removeEventListener('abort', stop);
    results.close(failure);
  })();
  return results;
}
