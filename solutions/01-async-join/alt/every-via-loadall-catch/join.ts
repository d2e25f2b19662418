// Correct alternative: loadEvery reuses loadAll, over tasks wrapped so they never reject
// (each resolves with its Outcome), as a class of small task adapters.
import { loadAll, type Outcome, type Task } from '../../join.ts';
export * from '../../join.ts';

class Settled<T> {
  constructor(private readonly task: Task<T>) {}
  run = async (): Promise<Outcome<T>> => {
    try {
      return { ok: true, value: await this.task() };
    } catch (error) {
      return { ok: false, error };
    }
  };
}

export function loadEvery<T>(tasks: readonly Task<T>[]): Promise<Outcome<T>[]> {
  return loadAll(tasks.map((task) => new Settled(task).run));
}
