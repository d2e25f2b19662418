// Known-wrong: p-limit as the workers: every job is taken from the source at once and queued in the limiter
// (clearQueue on abort), so the producer never waits for a worker: the jobs channel's bound is gone.
import pLimit from 'p-limit';
import { Channel } from '../../channel.ts';
export * from '../../fan-out.ts';
import type { FanOutOptions } from '../../fan-out.ts';

export function fanOut<J, R>(jobs: Iterable<J> | AsyncIterable<J>, work: (job: J, signal: AbortSignal) => Promise<R>, options: FanOutOptions): Channel<R> {
  const results = new Channel<R>(options.capacity);
  const controller = new AbortController();
  const limit = pLimit({ concurrency: options.workers, rejectOnClear: true });
  let failure: Error | undefined;
  const stop = () => {
    if (controller.signal.aborted) return;
    controller.abort(options.signal?.reason);
    limit.clearQueue();
  };
  const fail = (error: unknown) => {
    failure ??= error instanceof Error ? error : new Error(String(error));
    stop();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  const run = async (job: J) => {
    if (controller.signal.aborted) return;
    let result: R;
    try {
      result = await work(job, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) fail(error);
      return;
    }
    await results.send(result);
  };

  void (async () => {
    const tasks: Promise<void>[] = [];
    try {
      for await (const job of jobs) {
        if (controller.signal.aborted) break;
        tasks.push(limit(run, job));
      }
    } catch (error) {
      fail(error);
    }
    await Promise.allSettled(tasks);
    options.signal?.removeEventListener('abort', stop);
    results.close(failure);
  })();
  return results;
}
