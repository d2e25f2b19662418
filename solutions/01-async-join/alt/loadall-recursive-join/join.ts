// Correct alternative: loadAll and loadEvery as a recursive join: start every task first, then
// join the first promise with the join of the rest (head and tail, like a cons list).
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

function joinStarted<T>(started: readonly Promise<T>[]): Promise<T[]> {
  if (started.length === 0) return Promise.resolve([]);
  const [head, ...tail] = started as [Promise<T>, ...Promise<T>[]];
  return Promise.all([head, joinStarted(tail)]).then(([first, rest]) => [first, ...rest]);
}

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  return joinStarted(tasks.map((task) => task()));
}

export function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  return joinStarted(
    tasks.map((task) =>
      task().then(
        (value): Outcome<T> => ({ ok: true, value }),
        (error: unknown): Outcome<T> => ({ ok: false, error }),
      ),
    ),
  );
}
