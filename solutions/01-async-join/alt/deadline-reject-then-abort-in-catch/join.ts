// A correct alternative: the deadline is a timer that only rejects (setTimeout's extra argument is the
// error); a catch on that promise aborts the task's signal one microtask later, still at the deadline.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(reject, deadlineMs, new DeadlineError(deadlineMs));
  });
  const aborted = deadline.catch((error: unknown) => controller.abort(error));
  try {
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    void aborted;
  }
}
