// Known-wrong: a hand-written loadAll whose counter is off by one: it resolves when all but one of
// the tasks are done, with a hole where the last result should be.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  if (tasks.length === 0) return Promise.resolve([]);
  return new Promise<T[]>((resolve, reject) => {
    const results = new Array<T>(tasks.length);
    let done = 0;
    tasks.forEach((task, i) => {
      task().then((value) => {
        results[i] = value;
        done += 1;
        if (done >= tasks.length - 1) resolve(results);
      }, reject);
    });
  });
}
