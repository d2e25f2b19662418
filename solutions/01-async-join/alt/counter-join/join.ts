// A correct alternative: a join written by hand. Every task starts at once; a counter says when the
// last one is in, each result goes to its own slot (input order), and the first failure rejects.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const results = new Array<T>(tasks.length);
    let left = tasks.length;
    if (left === 0) resolve(results);
    tasks.forEach((task, i) => {
      task().then((value) => {
        results[i] = value;
        if (--left === 0) resolve(results);
      }, reject);
    });
  });
}
