// Known-wrong: awaiting inside the loop runs the tasks one at a time.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const results: T[] = [];
  for (const task of tasks) results.push(await task());
  return results;
}
