// Known-wrong: a "careful" loadAll that never runs more than 4 tasks at once. With 5 or more tasks,
// the fifth starts only when one of the first four is done.
export * from '../../join.ts';
import type { Task } from '../../join.ts';

export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, tasks.length) }, lane));
  return results;
}
