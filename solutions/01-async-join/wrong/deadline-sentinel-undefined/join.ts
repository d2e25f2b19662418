// Known-wrong: the deadline resolves with undefined instead of rejecting, and withDeadline tells the
// deadline from the task by the value: a task that resolves with undefined (a Task<void>, say) is
// reported as a DeadlineError although it finished in time.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new DeadlineError(deadlineMs));
      resolve(undefined);
    }, deadlineMs);
  });
  try {
    const value = await Promise.race([task(controller.signal), deadline]);
    if (value === undefined) throw new DeadlineError(deadlineMs);
    return value;
  } finally {
    clearTimeout(timer);
  }
}
