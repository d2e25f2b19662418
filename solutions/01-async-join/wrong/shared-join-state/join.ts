// Known-wrong: a hand-written loadAll whose bookkeeping (the slots and the count) lives at module
// level, reset at the start of each call: two loadAll calls at once share it and overwrite each other.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

let results: unknown[] = [];
let remaining = 0;

export function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  results = new Array(tasks.length);
  remaining = tasks.length;
  return new Promise<T[]>((resolve, reject) => {
    if (remaining === 0) {
      resolve([]);
      return;
    }
    tasks.forEach((task, i) => {
      task().then((value) => {
        results[i] = value;
        remaining -= 1;
        if (remaining === 0) resolve(results as T[]);
      }, reject);
    });
  });
}
