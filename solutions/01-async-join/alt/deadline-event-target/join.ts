// Correct alternative: the deadline as an event: the timer aborts the controller with DeadlineError,
// and a plain 'abort' listener (removed in the finally) rejects the promise raced against the task.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  const { signal } = controller;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason as DeadlineError);
    signal.addEventListener('abort', onAbort);
  });
  const timer = setTimeout(() => controller.abort(new DeadlineError(deadlineMs)), deadlineMs);
  try {
    return await Promise.race([task(signal), expired]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
