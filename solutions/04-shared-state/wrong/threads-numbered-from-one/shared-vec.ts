/// <reference lib="es2024.sharedmemory" />
// Known-wrong: fillFromThreads() numbers its threads 1 .. n instead of 0 .. n - 1, so every value pushed
// is another thread's (valueFor(thread, i)), and the last thread's values are ones nobody asked for.
import { Piscina } from 'piscina';
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export async function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  const vec = reference.SharedVec.create(threads * perThread);
  const gate = new reference.StartGate();
  const pool = new Piscina({ filename: new URL('../../shared-vec.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  const runs = Array.from({ length: threads }, (_, i) =>
    pool.run({ buffer: vec.buffer, gate: gate.cells, thread: i + 1, count: perThread } satisfies reference.FillTask),
  );
  try {
    await Promise.race([gate.open(threads), Promise.all(runs)]);
    await Promise.all(runs);
    return await vec.snapshot();
  } finally {
    await Promise.allSettled(runs);
    await pool.destroy();
  }
}
