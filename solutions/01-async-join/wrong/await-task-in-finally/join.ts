// Known-wrong: the race is right, but the finally also waits for the task to stop before withDeadline
// returns ("don't leave it running"). A task that listens stops at once when aborted; one that ignores
// its signal keeps withDeadline waiting long past the deadline.
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  let running: Promise<T> | undefined;
  try {
    running = task(controller.signal);
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
    await running?.catch(() => undefined); // the mistake: waits for a task that may never listen
  }
}
