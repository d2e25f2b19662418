// Correct alternative: the deadline resolves with a private symbol (a value no task can return);
// withDeadline throws DeadlineError when the race gives it back.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

const TIMED_OUT: unique symbol = Symbol('timed out');

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => {
        resolve(TIMED_OUT);
        controller.abort(new DeadlineError(deadlineMs));
      }, deadlineMs);
    });
    const winner = await Promise.race([task(controller.signal), deadline]);
    if (winner === TIMED_OUT) throw controller.signal.reason as DeadlineError;
    return winner;
  } finally {
    clearTimeout(timer);
  }
}
