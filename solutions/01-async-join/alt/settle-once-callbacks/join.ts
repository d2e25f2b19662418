// A correct alternative: one hand-made promise for the whole deadline, with a settled flag, and no
// Promise.race; the timer is cleared where the task settles.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const controller = new AbortController();
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      const error = new DeadlineError(deadlineMs);
      reject(error);
      controller.abort(error);
    }, deadlineMs);
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      if (done) return;
      done = true;
      settle();
    };
    let work: Promise<T>;
    try {
      work = task(controller.signal);
    } catch (error) {
      // The task's own error, passed on as it is (like Promise.race would).
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      finish(() => reject(error));
      return;
    }
    work.then(
      (value) => finish(() => resolve(value)),
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
