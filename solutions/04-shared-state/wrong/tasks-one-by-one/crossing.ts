// Known-wrong: addOnThreads awaits each task before it starts the next, so the threads take turns.
import type { Piscina } from 'piscina';
import type { CrossingTask } from '../../crossing.ts';
export * from '../../crossing.ts';

export async function addOnThreads(pool: Piscina, counter: Int32Array, threads: number, times: number): Promise<void> {
  const task: CrossingTask = { kind: 'add', counter, times };
  for (let i = 0; i < threads; i++) await pool.run(task); // the mistake: one at a time
}
