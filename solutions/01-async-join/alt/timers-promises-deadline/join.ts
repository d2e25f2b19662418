// A correct alternative: the deadline is node:timers/promises' setTimeout, cancelled through its own
// AbortSignal when the race is over (cancelling it rejects it with an AbortError, which we swallow).
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  const timerControl = new AbortController();
  const deadline = sleep(deadlineMs, undefined, { signal: timerControl.signal }).then(
    () => {
      const error = new DeadlineError(deadlineMs);
      controller.abort(error);
      throw error;
    },
    () => new Promise<never>(() => {}), // cancelled: this side never wins
  );
  try {
    return await Promise.race([task(controller.signal), deadline]);
  } finally {
    timerControl.abort();
  }
}
