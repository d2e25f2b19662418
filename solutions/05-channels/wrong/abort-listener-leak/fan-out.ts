// Known-wrong: the fan-out listens to the caller's signal and never stops listening. A fan-out that
// ends normally leaves its 'abort' listener on a signal that may live for the whole server.
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
      if (controller.signal.aborted) break; // queued, but not started: cancelled
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
    results.close(failure); // the mistake: the listener on options.signal stays
  });
  return results;
}
