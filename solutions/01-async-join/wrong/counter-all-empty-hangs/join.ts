// Known-wrong: a hand-written loadAll that resolves from the callback of the last task to finish.
// With no tasks no callback ever runs, so loadAll([]) never settles.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  return new Promise<T[]>((resolve, reject) => {
    const results = new Array<T>(tasks.length);
    let done = 0;
    tasks.forEach((task, i) => {
      task().then((value) => {
        results[i] = value;
        done += 1;
        if (done === tasks.length) resolve(results);
      }, reject);
    });
  });
}
