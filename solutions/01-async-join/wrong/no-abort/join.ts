// Known-wrong: the deadline rejects, but the slow task is never told to stop.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(deadlineMs)), deadlineMs);
  });
  try {
    return await Promise.race([task(new AbortController().signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
