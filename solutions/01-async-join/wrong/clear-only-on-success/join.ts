// Known-wrong: the deadline timer is cleared only when the task wins the race. A task that fails
// early leaves the timer running until the deadline (in a script it keeps the process alive).
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
  const value = await Promise.race([task(controller.signal), deadline]);
  clearTimeout(timer); // the mistake: never reached when the race rejects
  return value;
}
