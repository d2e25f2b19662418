// Known-wrong: loadEvery collects the outcomes one task after another (try/await in a loop): the
// fix of step 2 (start them all, then wait) applied to loadAll but not here.
import type { Outcome, Task } from '../../join.ts';
export * from '../../join.ts';

export async function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  const outcomes: Outcome<T>[] = [];
  for (const task of tasks) {
    try {
      outcomes.push({ ok: true, value: await task() });
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  return outcomes;
}
