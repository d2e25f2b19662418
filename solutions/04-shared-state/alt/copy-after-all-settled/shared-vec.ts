/// <reference lib="es2024.sharedmemory" />
// Correct alternative: once every task has settled, no thread writes the vector any more, and the answers
// came back through postMessage (a synchronisation point): fillFromThreads() copies it without the lock.
import { Piscina } from 'piscina';
import * as reference from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

export async function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  const vec = reference.SharedVec.create(threads * perThread);
  const gate = new reference.StartGate();
  const pool = new Piscina({ filename: new URL('../../shared-vec.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  const runs = Array.from({ length: threads }, (_, i) =>
    pool.run({ buffer: vec.buffer, gate: gate.cells, thread: i, count: perThread } satisfies reference.FillTask),
  );
  try {
    await Promise.race([gate.open(threads), Promise.all(runs)]);
    await Promise.all(runs);
    return Array.from(vec.words.subarray(reference.SLOTS, reference.SLOTS + vec.words[reference.LENGTH]!));
  } finally {
    await Promise.allSettled(runs);
    await pool.destroy();
  }
}
