// Known-wrong: the deadline timer is never cleared when the task wins the race.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  const deadline = new Promise<never>((_, reject) => {
    setTimeout(() => {
      const error = new DeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  return await Promise.race([task(controller.signal), deadline]);
}
