// Known-wrong: at the deadline the race is lost but the abort is sent a full timer turn later
// (setTimeout(…, 0)): the task runs on past its deadline, and a timer is left when withDeadline rejects.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(deadlineMs);
      reject(error);
      setTimeout(() => controller.abort(error), 0);
    }, deadlineMs);
  });
  try {
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
