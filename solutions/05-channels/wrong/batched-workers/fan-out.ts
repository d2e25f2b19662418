// Known-wrong: batches instead of workers. Take `workers` jobs, run them with one Promise.all, deliver,
// repeat. Never more than `workers` at once, and with equal job times it finishes exactly when a
// fan-out does; with job times that differ, workers sit idle while jobs wait.
import { Channel, ChannelClosedError } from '../../channel.ts';
import type { FanOutOptions } from '../../fan-out.ts';
export * from '../../fan-out.ts';

export function fanOut<J, R>(
  jobs: Iterable<J> | AsyncIterable<J>,
  work: (job: J, signal: AbortSignal) => Promise<R>,
  options: FanOutOptions,
): Channel<R> {
  const queue = new Channel<J>(options.capacity);
  const results = new Channel<R>(options.capacity);
  const controller = new AbortController();
  let failure: Error | undefined;

  const stop = () => {
    if (!controller.signal.aborted) controller.abort(options.signal?.reason);
  };
  // Closing the queue wakes a producer waiting in send() (it is rejected) and lets the workers finish.
  controller.signal.addEventListener('abort', () => queue.close(), { once: true });
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  const producer = async () => {
    try {
      // `for await` calls the source's return() when we leave early: a generator's `finally` runs.
      for await (const job of jobs) {
        if (controller.signal.aborted) break;
        await queue.send(job);
      }
    } catch (error) {
      // A send rejected because the abort closed the queue is how the producer learns to stop.
      if (!(error instanceof ChannelClosedError)) fail(error);
    } finally {
      queue.close();
    }
  };

  // The mistake: one loop takes `workers` jobs at a time and waits for the whole group, so a fast
  // job's worker sits idle until the slowest job of its group is done.
  const groups = async () => {
    for (;;) {
      const group: J[] = [];
      while (group.length < options.workers) {
        const next = await queue.recv();
        if (next.done) break;
        group.push(next.value);
      }
      if (group.length === 0 || controller.signal.aborted) return;
      const settled = await Promise.allSettled(group.map((job) => work(job, controller.signal)));
      for (const outcome of settled) {
        if (outcome.status === 'fulfilled') await results.send(outcome.value);
        else if (!controller.signal.aborted) fail(outcome.reason);
      }
    }
  };

  function fail(error: unknown) {
    failure ??= error instanceof Error ? error : new Error(String(error));
    stop();
  }

  // Fan-in: the last one out closes the results channel.
  void Promise.all([producer(), groups()]).then(() => {
    options.signal?.removeEventListener('abort', stop);
    results.close(failure);
  });
  return results;
}
