// Known-wrong: a hand-written loadAll that counts the slots that hold a result (!== undefined) to tell
// when it is done: a task that resolves with undefined never counts, so loadAll never resolves.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  if (tasks.length === 0) return Promise.resolve([]);
  return new Promise<T[]>((resolve, reject) => {
    const results = new Array<T>(tasks.length);
    tasks.forEach((task, i) => {
      task().then((value) => {
        results[i] = value;
        if (results.filter((r) => r !== undefined).length === tasks.length) resolve(results);
      }, reject);
    });
  });
}
