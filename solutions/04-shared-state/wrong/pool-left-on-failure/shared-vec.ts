// Known-wrong: fillFromThreads() destroys its pool only on the way out of a success. When a worker's
// task fails (the vector full, a throw in push), the rejection skips the destroy: every thread of the
// pool is left running.
import { Piscina } from 'piscina';
import { SharedVec, StartGate, type FillTask } from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export async function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  const vec = SharedVec.create(threads * perThread);
  const gate = new StartGate();
  const pool = new Piscina({ filename: new URL('../../shared-vec.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  const runs = Array.from({ length: threads }, (_, thread) =>
    pool.run({ buffer: vec.buffer, gate: gate.cells, thread, count: perThread } satisfies FillTask),
  );
  await Promise.race([gate.open(threads), Promise.all(runs)]);
  await Promise.all(runs);
  const contents = await vec.snapshot();
  await pool.destroy(); // the mistake: not in a finally
  return contents;
}
