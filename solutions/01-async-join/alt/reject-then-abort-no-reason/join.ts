// A correct alternative: the deadline rejects first and only then aborts the task's signal, with no
// reason (a generic AbortError): the race has already settled with DeadlineError, and the task's later
// AbortError is handled by the race.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new DeadlineError(deadlineMs));
      controller.abort();
    }, deadlineMs);
  });
  try {
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
