// Known-wrong: a hand-written loadAll that decides it is done when the results array is full,
// by its length. Assigning slot 4 makes an empty array 5 long: when the last task finishes first,
// loadAll resolves early, with holes where the other results should be.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  if (tasks.length === 0) return Promise.resolve([]);
  return new Promise<T[]>((resolve, reject) => {
    const results: T[] = [];
    tasks.forEach((task, i) => {
      task().then((value) => {
        results[i] = value;
        if (results.length === tasks.length) resolve(results);
      }, reject);
    });
  });
}
