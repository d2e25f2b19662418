// Known-wrong: a catch on every task hides failures from the caller.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const results = await Promise.all(tasks.map((task) => task().catch(() => undefined as T)));
  return results;
}
