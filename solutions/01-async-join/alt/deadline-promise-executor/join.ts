// A correct alternative: the whole deadline is one promise whose executor calls the task first (a
// throw there rejects the promise, before any timer exists), then arms the timer; the task's
// settling clears it. No Promise.race, no try/finally.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    const running = task(controller.signal);
    const timer = setTimeout(() => {
      const error = new DeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
    running.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
    );
  });
}
