// A correct alternative: loadBoth reuses loadAll (one join for any number of tasks), and loadAll
// starts every task with Array.from.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  return await Promise.all(Array.from(tasks, (task) => task()));
}

export async function loadBoth<A, B>(user: Task<A>, image: Task<B>): Promise<[A, B]> {
  const [a, b] = await loadAll<A | B>([user, image]);
  return [a as A, b as B];
}
