// Known-wrong: loadAll built on loadEvery (allSettled), throwing the first failure it finds: every
// task is waited for before a failure is reported, so loadAll does not fail fast.
import { loadEvery, type Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadAll<T>(tasks: readonly Task<T>[]): Promise<T[]> {
  const outcomes = await loadEvery(tasks);
  return outcomes.map((outcome) => {
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  });
}
