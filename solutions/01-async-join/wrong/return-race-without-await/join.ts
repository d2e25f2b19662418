// Known-wrong: `return Promise.race(...)` without await inside try/finally. The finally runs the
// moment the race is returned (at 0 ms), not when it settles: the deadline timer is cleared at once
// and never fires, so a slow task is neither aborted nor given up on.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  try {
    return Promise.race([task(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
