// Known-wrong: fillFromThreads() sizes its pool by the cores (os.availableParallelism()) instead of
// `threads`: on a 2-core machine the third task waits for a free thread, the start gate waits 5 s for
// an arrival that cannot come, and the threads never push all at once.
import os from 'node:os';
import { Piscina } from 'piscina';
import { SharedVec, StartGate, type FillTask } from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export async function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  const vec = SharedVec.create(threads * perThread);
  const gate = new StartGate();
  const size = os.availableParallelism();
  const pool = new Piscina({ filename: new URL('../../shared-vec.worker.ts', import.meta.url).href, minThreads: size, maxThreads: size });
  try {
    const runs = Array.from({ length: threads }, (_, thread) =>
      pool.run({ buffer: vec.buffer, gate: gate.cells, thread, count: perThread } satisfies FillTask),
    );
    await gate.open(threads);
    await Promise.all(runs);
    return await vec.snapshot();
  } finally {
    await pool.destroy();
  }
}
