// A correct alternative: every task starts at once; a loop races the ones still running, stores each
// result in its slot as it arrives, and lets the race's rejection (the first failure) out at once.
import type { Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  const running = new Map<number, Promise<number>>();
  tasks.forEach((task, i) => {
    running.set(
      i,
      task().then((value) => {
        results[i] = value;
        return i;
      }),
    );
  });
  while (running.size > 0) {
    const done = await Promise.race(running.values());
    running.delete(done);
  }
  return results;
}
