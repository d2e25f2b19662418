// Known-wrong: the deadline is checked every 10 ms instead of being a timer of its own. With a
// deadline of 100 ms it fires on time; with 95 ms it fires at 100, late.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

const CHECK_EVERY_MS = 10;

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  const startedAt = Date.now();
  let check: ReturnType<typeof setInterval> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    check = setInterval(() => {
      if (Date.now() - startedAt < deadlineMs) return;
      const error = new DeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, CHECK_EVERY_MS);
  });
  try {
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    clearInterval(check);
  }
}
