// Mutex throughput of the reference solutions (not part of the exercise's tests).
//   npx tsx solutions/04-shared-state/bench.ts
import os from 'node:os';
import { Piscina } from 'piscina';
import type { BenchTask } from './bench.worker.ts';
import { Mutex } from './mutex.ts';
import { AtomicsMutex, StartGate } from './shared-vec.ts';

const rate = (ops: number, ms: number) => `${Math.round(ops / (ms / 1000)).toLocaleString('en-US')} ops/s`;

async function best(runs: number, body: () => Promise<number>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) fastest = Math.min(fastest, await body());
  return fastest;
}

async function asyncMutexUncontended(n: number): Promise<number> {
  const mutex = new Mutex();
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const guard = await mutex.lock();
    guard.release();
  }
  return performance.now() - start;
}

async function asyncMutexUsing(n: number): Promise<number> {
  const mutex = new Mutex();
  let counter = 0;
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    await using _guard = await mutex.lock();
    counter++;
  }
  if (counter !== n) throw new Error('lost an update');
  return performance.now() - start;
}

async function asyncMutexContended(tasks: number, perTask: number): Promise<number> {
  const mutex = new Mutex();
  let counter = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: tasks }, async () => {
      for (let i = 0; i < perTask; i++) {
        const guard = await mutex.lock();
        const seen = counter;
        await Promise.resolve(); // an await inside the critical section, like a real read-await-write
        counter = seen + 1;
        guard.release();
      }
    }),
  );
  if (counter !== tasks * perTask) throw new Error(`lost updates: ${counter}`);
  return performance.now() - start;
}

function atomicsUncontended(n: number): number {
  const words = new Int32Array(new SharedArrayBuffer(8));
  const mutex = new AtomicsMutex(words, 0);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    mutex.lock(); // never waits here: nobody else holds it
    mutex.unlock();
  }
  return performance.now() - start;
}

async function atomicsContended(pool: Piscina, threads: number, perThread: number): Promise<number> {
  const words = new Int32Array(new SharedArrayBuffer(8));
  const gate = new StartGate();
  const runs = Array.from({ length: threads }, () =>
    pool.run({ words, iterations: perThread, gate: gate.cells } satisfies BenchTask) as Promise<number>,
  );
  await gate.open(threads);
  const opened = performance.timeOrigin + performance.now();
  // From the moment the gate opened to the moment the last thread finished its loop.
  const elapsed = Math.max(...(await Promise.all(runs))) - opened;
  if (words[1] !== threads * perThread) throw new Error(`lost updates: ${words[1]}`);
  return elapsed;
}

console.log(`Node ${process.version}, ${os.availableParallelism()} cores; best of 3 runs each.`);
const n = 1_000_000;
console.log(`async Mutex, uncontended lock+release:            ${rate(n, await best(3, () => asyncMutexUncontended(n)))}`);
console.log(`async Mutex, uncontended with await using:        ${rate(n, await best(3, () => asyncMutexUsing(n)))}`);
console.log(`async Mutex, 100 tasks contending (await inside): ${rate(100 * 5_000, await best(3, () => asyncMutexContended(100, 5_000)))}`);
const m = 10_000_000;
console.log(`AtomicsMutex, one thread, uncontended:            ${rate(m, await best(3, () => Promise.resolve(atomicsUncontended(m))))}`);
for (const threads of [2, 4]) {
  const pool = new Piscina({ filename: new URL('./bench.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  await atomicsContended(pool, threads, 1_000); // warm up
  const perThread = 2_000_000;
  console.log(`AtomicsMutex, ${threads} threads contending:               ${rate(threads * perThread, await best(3, () => atomicsContended(pool, threads, perThread)))}`);
  await pool.destroy();
}
