// Known-wrong for this step: AbortSignal.timeout(ms) is a correct deadline, but its timer cannot be
// cancelled. Every call leaves it scheduled until the deadline, long after the task is done.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const signal = AbortSignal.timeout(deadlineMs);
  const deadline = new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(new DeadlineError(deadlineMs)), { once: true });
  });
  // The task sees a TimeoutError as its abort reason; the race settles with the DeadlineError first.
  return await Promise.race([deadline, task(signal)]);
}
