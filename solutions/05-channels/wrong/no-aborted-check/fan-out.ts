// Known-wrong: a worker takes a queued job after the abort and calls work() anyway (with the aborted
// signal). Well-behaved work refuses at once, so no job seems to start; but every queued job still
// reaches the service after the cancel. The lesson says queued jobs never start.
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

  const worker = async () => {
    for await (const job of queue) {
      let result: R;
      try {
        result = await work(job, controller.signal);
      } catch (error) {
        if (!controller.signal.aborted) fail(error);
        continue; // aborted work ends quietly
      }
      await results.send(result);
    }
  };

  function fail(error: unknown) {
    failure ??= error instanceof Error ? error : new Error(String(error));
    stop();
  }

  // Fan-in: the last one out closes the results channel.
  void Promise.all([producer(), ...Array.from({ length: options.workers }, worker)]).then(() => {
    options.signal?.removeEventListener('abort', stop);
    results.close(failure);
  });
  return results;
}
