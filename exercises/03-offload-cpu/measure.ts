// The numbers behind the lesson, measured on your machine: `npx tsx exercises/03-offload-cpu/measure.ts`.
// It measures your resize.ts (or, with KATA_TARGET=solutions, the reference solution):
//   1. the event loop while a resize runs on the main thread, and while it runs on the pool;
//   2. sending the pixels to a worker thread and back: copied, or moved;
//   3. one thread versus all of them: the critical path from each thread's CPU time, and wall clocks
//      beside bare threads (what the machine gives right now).
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BareThreads, describeCriticalPath, describeSpeedup, judgeCriticalPath, judgeSpeedup, listenToWork, parallelThreads, probeWhile } from '../../checker/harness/index.ts';
import { currentTarget, formatTarget, redirect } from '../../checker/running/target.ts';
import { DOWNSCALE_LABEL, copyImage, createTestImage, describeImage, downscale } from './image.ts';

type ResizeModule = typeof import('./resize.ts');
const own = fileURLToPath(new URL('./resize.ts', import.meta.url));
const { ImageResizer } = (await import(pathToFileURL(redirect(own, currentTarget())).href)) as ResizeModule;

const image = createTestImage(2048, 1536, 7);
console.log(`${os.availableParallelism()} cores; image ${describeImage(image)}; target: ${formatTarget(currentTarget())}\n`);

// 1. The event loop: blocked versus offloaded.
const resizer = new ImageResizer();
await Promise.all(Array.from({ length: os.availableParallelism() }, (_, i) => resizer.resize(createTestImage(512, 384, i + 1))));
const row = (name: string, r: { maxGapMs: number; ticks: number; utilization: number; elapsedMs: number }) =>
  `  ${name.padEnd(22)} took ${r.elapsedMs.toFixed(0).padStart(4)} ms   largest event-loop gap ${r.maxGapMs.toFixed(0).padStart(4)} ms   ${String(r.ticks).padStart(3)} ticks   ELU ${r.utilization.toFixed(2)}`;
console.log('1. A 5 ms ticker while one image is downscaled:');
for (let i = 0; i < 2; i++) {
  const blocked = await probeWhile(() => downscale(copyImage(image)));
  const forPool = copyImage(image);
  const offloaded = await probeWhile(() => resizer.resize(forPool));
  console.log(row('on the main thread', blocked.report));
  console.log(row('on the pool', offloaded.report));
}

// 2. Crossing to a thread and back: a structured-clone copy, or a transfer (move).
const echo = new Worker(
  `const { parentPort } = require('node:worker_threads');
   parentPort.on('message', ({ data, move }) => parentPort.postMessage(data, move ? [data.buffer] : []));`,
  { eval: true },
);
const roundTrip = (data: Uint8Array, move: boolean) =>
  new Promise<number>((resolve) => {
    const start = performance.now();
    echo.once('message', () => resolve(performance.now() - start));
    echo.postMessage({ data, move }, move ? [data.buffer as ArrayBuffer] : []);
  });
await roundTrip(image.data.slice(0, 1024), false);
console.log(`\n2. ${(image.data.byteLength / 1e6).toFixed(1)} MB of pixels to a worker thread and back (best of 5):`);
let copied = Infinity;
let moved = Infinity;
for (let i = 0; i < 5; i++) {
  copied = Math.min(copied, await roundTrip(image.data.slice(), false));
  moved = Math.min(moved, await roundTrip(image.data.slice(), true));
}
console.log(`  copied (structured clone)   ${copied.toFixed(2)} ms`);
console.log(`  moved (transfer list)       ${moved.toFixed(2)} ms`);
await echo.terminate();

// 3. One thread versus all of them.
const runs = { input: () => copyImage(image), one: (i: typeof image) => resizer.resize(i), all: (i: typeof image) => resizer.resizeParallel(i) };
const work = listenToWork();
const critical = await judgeCriticalPath({ ...runs, log: work, label: DOWNSCALE_LABEL });
work.close();
console.log(`\n3a. One thread versus ${parallelThreads()}: the critical path, from the CPU time of each thread (three attempts):`);
console.log(critical.outcome === 'unavailable' ? '  (this system does not report per-thread CPU time)' : describeCriticalPath(critical, 'resize()        ', 'resizeParallel()'));
console.log(`\n3b. The same by the wall clock, beside bare threads (three attempts; only meaningful on a quiet machine):`);
const bare = await BareThreads.start(parallelThreads());
const verdict = await judgeSpeedup({ ...runs, bare, minShare: Infinity /* never stop early: show every attempt */ });
console.log(describeSpeedup(verdict, 'resize'));
await bare.close();
await resizer.close();
