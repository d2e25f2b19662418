// Known-wrong: a hand-written loadEvery that resolves from the callback of the last task to settle.
// With no tasks no callback ever runs, so loadEvery([]) never settles.
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

export function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  return new Promise((resolve) => {
    const outcomes = new Array<Outcome<T>>(tasks.length);
    let settled = 0;
    tasks.forEach((task, i) => {
      task().then(
        (value) => {
          outcomes[i] = { ok: true, value };
          if (++settled === tasks.length) resolve(outcomes);
        },
        (error: unknown) => {
          outcomes[i] = { ok: false, error };
          if (++settled === tasks.length) resolve(outcomes);
        },
      );
    });
  });
}
