// Known-wrong: loadEvery chains .catch before .then: the catch turns a failure into a failed outcome,
// and the then after it wraps that outcome again as a success.
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  return await Promise.all(
    tasks.map((task) =>
      task()
        .catch((error: unknown) => ({ ok: false, error }))
        .then((value) => ({ ok: true, value }) as Outcome<T>),
    ),
  );
}
