// A correct alternative: no jobs channel. The workers pull straight from one shared iterator over
// the source (each `next()` hands out one job), so a worker that is done takes the next job at once.
// Cancelling stops the pulling and calls the source's return(), so its `finally` runs.
import { Channel } from '../../channel.ts';
import type { FanOutOptions } from '../../fan-out.ts';
export * from '../../fan-out.ts';

export function fanOut<J, R>(
  jobs: Iterable<J> | AsyncIterable<J>,
  work: (job: J, signal: AbortSignal) => Promise<R>,
  options: FanOutOptions,
): Channel<R> {
  const results = new Channel<R>(options.capacity);
  const controller = new AbortController();
  const source: Iterator<J> | AsyncIterator<J> = Symbol.asyncIterator in jobs ? jobs[Symbol.asyncIterator]() : jobs[Symbol.iterator]();
  let exhausted = false;
  let failure: Error | undefined;

  const letGo = async () => {
    if (exhausted) return;
    exhausted = true;
    await source.return?.();
  };
  const stop = () => {
    if (!controller.signal.aborted) controller.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted) stop();

  const worker = async () => {
    while (!exhausted && !controller.signal.aborted) {
      let next: IteratorResult<J>;
      try {
        next = await source.next();
      } catch (error) {
        // A source that throws is a failure like a job that rejects: stop, and end the results with its error.
        exhausted = true;
        failure ??= error instanceof Error ? error : new Error(String(error));
        stop();
        return;
      }
      if (next.done) {
        exhausted = true;
        return;
      }
      if (controller.signal.aborted) return; // pulled, but not started: cancelled
      try {
        await results.send(await work(next.value, controller.signal));
      } catch (error) {
        // Aborted work ends quietly; any other failure stops everyone.
        if (!controller.signal.aborted) {
          failure ??= error instanceof Error ? error : new Error(String(error));
          stop();
        }
      }
    }
  };

  void Promise.all(Array.from({ length: options.workers }, worker))
    .then(letGo)
    .finally(() => {
      options.signal?.removeEventListener('abort', stop);
      results.close(failure);
    });
  return results;
}
