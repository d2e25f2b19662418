// A correct alternative: loadEvery starts every task, maps each promise to an Outcome that never
// rejects, then collects them in input order with an async generator and for await.
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
  for await (const outcome of inOrder(pending)) outcomes.push(outcome);
  return outcomes;
}

/** Yields each promise's value in the order given (they are all running already, and none rejects). */
async function* inOrder<V>(promises: readonly Promise<V>[]): AsyncGenerator<V> {
  for (const promise of promises) yield await promise;
}
