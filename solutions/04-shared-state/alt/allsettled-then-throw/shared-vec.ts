/// <reference lib="es2024.sharedmemory" />
// Correct alternative: fillFromThreads() waits for every task with Promise.allSettled, then throws the
// first failure it finds; the pool is destroyed in a finally, once nothing runs on it any more.
import { Piscina } from 'piscina';
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export async function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  const vec = reference.SharedVec.create(threads * perThread);
  const gate = new reference.StartGate();
  const pool = new Piscina({ filename: new URL('./shared-vec.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  try {
    const runs = [];
    for (let thread = 0; thread < threads; thread++) {
      runs.push(pool.run({ buffer: vec.buffer, gate: gate.cells, thread, count: perThread } satisfies reference.FillTask));
    }
    const opened = gate.open(threads);
    const outcomes = await Promise.allSettled(runs);
    await opened;
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw failure.reason;
    return await vec.snapshot();
  } finally {
    await pool.destroy();
  }
}
