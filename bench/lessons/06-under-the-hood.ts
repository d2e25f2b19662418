// Lesson 06: what a waiting task costs, against what a thread costs (the article's memory claim, in
// this machine's numbers), and what a yield between chunks lets the event loop do.
// - 100,000 tasks parked on a promise that never settles: native async functions, then the reference
//   runtime's generator tasks. Heap per task, measured after a full garbage collection.
// - idle worker threads: each is a V8 engine of its own, so its memory is not in this thread's heap:
//   the process's resident memory (RSS) per thread.
// - 30 chunks of 2 ms with a 1 ms timer beside them: ticks with a setImmediate yield, with a microtask yield.
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import { type Row } from '../measure.ts';
import { loadSolution } from '../solutions.ts';

interface RuntimeModule {
  Runtime: new () => { spawn(name: string, body: () => Generator<unknown, unknown, unknown>): unknown };
}

interface ChunksModule {
  runInChunks(total: number, chunkSize: number, work: (start: number, end: number) => void): Promise<void>;
}

const TASKS = 100_000;
const THREADS = 8;
const GIB = 2 ** 30;

/** A full garbage collection, without starting node with --expose-gc. */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const gc = collector();

async function settled(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Bytes of heap each of `count` live things costs, `make` creating them (and keeping them reachable). */
async function heapPer(count: number, make: () => unknown): Promise<number> {
  await settled();
  const before = process.memoryUsage().heapUsed;
  const kept = make();
  await settled();
  const after = process.memoryUsage().heapUsed;
  // Keep them alive until measured.
  if (kept === undefined) throw new Error('nothing was made');
  return (after - before) / count;
}

async function rssPerThread(count: number): Promise<number> {
  await settled();
  const before = process.memoryUsage().rss;
  const source = "const { parentPort } = require('node:worker_threads'); parentPort.on('message', () => {}); parentPort.postMessage('ready');";
  const workers = Array.from({ length: count }, () => new Worker(source, { eval: true }));
  try {
    await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', resolve))));
    await settled();
    return (process.memoryUsage().rss - before) / count;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function bytes(value: number): string {
  if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MB`;
  if (value >= 2 ** 10) return `${(value / 2 ** 10).toFixed(2)} KB`;
  return `${Math.round(value)} B`;
}

function howMany(perItem: number): string {
  const count = GIB / perItem;
  return count >= 1e6 ? `${(count / 1e6).toFixed(1)} million` : count >= 1e4 ? `${Math.round(count / 1e3)} thousand` : `${Math.round(count)}`;
}

export async function lesson06(): Promise<Row[]> {
  const never = new Promise<never>(() => {});
  const asyncTask = await heapPer(TASKS, () =>
    Array.from({ length: TASKS }, async (_, i) => {
      await never;
      return i;
    }),
  );
  const thread = await rssPerThread(THREADS);
  const rows: Row[] = [
    {
      group: '06 under the hood',
      what: `memory: ${TASKS / 1000}k async functions waiting on a promise, beside ${THREADS} idle worker threads`,
      reference: `${bytes(asyncTask)} of heap per task: 1 GB holds about ${howMany(asyncTask)}`,
      wrong: `${bytes(thread)} of RSS per thread: 1 GB holds about ${howMany(thread)}`,
      point: 'a waiting task is a few objects on the heap; a thread is a whole engine (its own heap, event loop and stack)',
    },
  ];

  const { Runtime } = await loadSolution<RuntimeModule>('06-under-the-hood/runtime.ts', ['Runtime']);
  const generatorTask = await heapPer(TASKS, () => {
    const runtime = new Runtime();
    return Array.from({ length: TASKS }, (_, i) =>
      runtime.spawn(`task ${i}`, function* () {
        yield never;
        return i;
      }),
    );
  });
  rows.push({
    group: '06 under the hood',
    what: `memory: ${TASKS / 1000}k generator tasks parked in the reference runtime`,
    reference: `${bytes(generatorTask)} of heap per task: 1 GB holds about ${howMany(generatorTask)}`,
    wrong: '–',
    point: 'the generator is the state machine: its locals and where it stopped, plus the handle and the waker',
  });

  const reference = await loadSolution<ChunksModule>('06-under-the-hood/chunks.ts', ['runInChunks']);
  const microtask = await loadSolution<ChunksModule>('06-under-the-hood/wrong/microtask-yield/chunks.ts', ['runInChunks']);
  const ticks = async (module: ChunksModule) => {
    let count = 0;
    const ticker = setInterval(() => count++, 1);
    const started = performance.now();
    await module.runInChunks(30, 1, () => {
      const end = performance.now() + 2;
      while (performance.now() < end) {
        // the computation
      }
    });
    const elapsed = performance.now() - started;
    clearInterval(ticker);
    return `${count} ticks of a 1 ms timer in ${Math.round(elapsed)} ms`;
  };
  rows.push({
    group: '06 under the hood',
    what: '30 chunks of 2 ms, yielding between them (setImmediate vs a microtask)',
    reference: await ticks(reference),
    wrong: await ticks(microtask),
    point: 'a microtask yield lets nothing else run: the event loop empties the microtask queue before any timer or I/O',
  });
  return rows;
}
