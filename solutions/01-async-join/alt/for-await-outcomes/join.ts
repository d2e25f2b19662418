// A correct alternative: loadEvery starts every task, maps each promise to an Outcome that never
// rejects, then collects them in input order with for await.
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  const pending = tasks.map((task) =>
    task().then(
      (value): Outcome<T> => ({ ok: true, value }),
      (error: unknown): Outcome<T> => ({ ok: false, error }),
    ),
  );
  const outcomes: Outcome<T>[] = [];
  for await (const outcome of pending) outcomes.push(outcome);
  return outcomes;
}
