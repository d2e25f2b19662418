/// <reference lib="es2024.sharedmemory" />
// Correct alternative: fillFromThreads on raw worker threads instead of a piscina pool. Each thread
// gets its share as workerData, pushes, and exits; startWorker (the kata's helper for .ts worker files)
// starts them. No pool to close: a thread that has finished its script ends by itself.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../../../checker/harness/threads/ts-worker.ts';
import { SharedVec, StartGate, type FillTask } from '../../shared-vec.ts';
export * from '../../shared-vec.ts';

/** Resolves when the thread has exited after finishing its script; rejects if it failed. */
function finished(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a pushing thread exited with code ${code}`))));
  });
}

export async function fillFromThreads(threads: number, perThread: number): Promise<number[]> {
  const vec = SharedVec.create(threads * perThread);
  const gate = new StartGate();
  const workers = Array.from({ length: threads }, (_, thread) =>
    startWorker(new URL('./shared-vec.worker.ts', import.meta.url), {
      workerData: { buffer: vec.buffer, gate: gate.cells, thread, count: perThread } satisfies FillTask,
    }),
  );
  const done = workers.map(finished);
  try {
    // If a thread fails before the gate opens, stop waiting for it to arrive.
    await Promise.race([gate.open(threads), Promise.all(done)]);
    await Promise.all(done);
    return await vec.snapshot();
  } finally {
    // On every way out, no thread is left behind (terminate() on an exited thread does nothing).
    await Promise.allSettled(done);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
