// Known-wrong: the deadline is node:timers/promises' setTimeout, but nothing cancels it when the task
// wins (it was given no signal): its timer stays scheduled until the deadline, long after withDeadline is done.
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineError } from '../../join.ts';
export * from '../../join.ts';

export async function withDeadline<T>(task: (signal: AbortSignal) => Promise<T>, deadlineMs: number): Promise<T> {
  const controller = new AbortController();
  const deadline = sleep(deadlineMs).then(() => {
    const error = new DeadlineError(deadlineMs);
    controller.abort(error);
    throw error;
  });
  return await Promise.race([task(controller.signal), deadline]);
}
