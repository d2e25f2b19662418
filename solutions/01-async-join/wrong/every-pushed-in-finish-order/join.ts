// Known-wrong: a hand-written loadEvery that pushes each outcome as its task settles: the outcomes
// come back in the order the tasks finished, not in input order.
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

export function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  if (tasks.length === 0) return Promise.resolve([]);
  return new Promise<Outcome<T>[]>((resolve) => {
    const outcomes: Outcome<T>[] = [];
    const settleOne = (outcome: Outcome<T>) => {
      outcomes.push(outcome);
      if (outcomes.length === tasks.length) resolve(outcomes);
    };
    for (const task of tasks) {
      task().then((value) => settleOne({ ok: true, value }), (error: unknown) => settleOne({ ok: false, error }));
    }
  });
}
