// Known-wrong: results are pushed as tasks finish, so the fastest comes first.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const results: T[] = [];
  await Promise.all(tasks.map(async (task) => results.push(await task())));
  return results;
}
