// Known-wrong: the deadline aborts the task's signal and then simply waits for the task. Every task
// that honours its signal rejects on time, so this looks right; a task that ignores its signal is
// waited for long past the deadline.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DeadlineError(deadlineMs)), deadlineMs);
  try {
    return await task(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
