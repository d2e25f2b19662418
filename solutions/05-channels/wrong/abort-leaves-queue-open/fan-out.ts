// Known-wrong: the abort stops the workers (they check the signal before each job) and the producer checks it
// before each send, but nothing closes the jobs channel on abort: a producer already waiting in send() on a full
// jobs channel waits forever, since no worker takes another job, and the results channel never ends.
import { Channel, ChannelClosedError } from '../../channel.ts';

export interface FanOutOptions {
  /** How many jobs run at once. */
  workers: number;
  /** Capacity of the jobs channel and of the results channel. */
  capacity: number;
  /** Aborting it cancels the whole fan-out (see fanOut). */
  signal?: AbortSignal;
}

/**
 * Feeds `jobs` through a channel to `workers` concurrent workers that each call `work(job, signal)` and
 * send the result to one results channel, which is returned at once and closed when everything is done.
 *
 * Cancellation (the `signal` aborts):
 * - the producer takes no further job from `jobs` (and lets the source clean up: `return()` is called);
 * - jobs already queued are not started;
 * - jobs in flight see their `signal` abort: they may stop (reject) or finish; results that still
 *   arrive are delivered;
 * - the results channel closes once every started job has settled. Aborting is not an error: it just ends.
 * If `work` rejects for any other reason, the fan-out cancels itself the same way and closes the
 * results channel with that error, so the consumer's `for await` throws it after the earlier results.
 * A source that throws is such a failure too: the same, with the source's error.
 */
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
    options.signal?.removeEventListener('abort', stop);
    results.close(failure);
  });
  return results;
}
