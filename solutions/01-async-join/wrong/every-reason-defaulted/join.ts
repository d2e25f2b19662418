// Known-wrong: loadEvery "fixes" a missing rejection reason with a new Error: a task that rejects
// with undefined (or null) is reported with an error it never gave.
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  const settled = await Promise.allSettled(tasks.map((task) => task()));
  return settled.map((r): Outcome<T> => (r.status === 'fulfilled' ? { ok: true, value: r.value } : { ok: false, error: r.reason ?? new Error('task failed') }));
}
