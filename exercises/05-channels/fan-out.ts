// Exercise 05, step 3: fan-out to N workers, fan-in to one results channel, with cancellation.
// Replace each `throw` with your code. The types are the contract: keep the signatures.
import type { Channel } from './channel.ts';

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
  throw new Error('TODO step 3: one producer, N workers, one results channel, and a way to stop them all');
}
