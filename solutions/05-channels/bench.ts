// Channel throughput of the reference solutions (not part of the exercise's tests).
//   npx tsx solutions/05-channels/bench.ts
import os from 'node:os';
import { Channel } from './channel.ts';
import { processOnThreads, type Job, type Result } from './pipeline.ts';

const rate = (messages: number, ms: number) => `${Math.round(messages / (ms / 1000)).toLocaleString('en-US')} messages/s`;

async function best(runs: number, body: () => Promise<number>): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) fastest = Math.min(fastest, await body());
  return fastest;
}

/** `producers` tasks send `perProducer` messages each; `consumers` tasks drain the channel with for-await. */
async function oneThread(capacity: number, producers: number, perProducer: number, consumers: number): Promise<number> {
  const channel = new Channel<number>(capacity);
  let received = 0;
  const start = performance.now();
  const sending = Array.from({ length: producers }, async () => {
    for (let i = 0; i < perProducer; i++) await channel.send(i);
  });
  const receiving = Array.from({ length: consumers }, async () => {
    for await (const _ of channel) received++;
  });
  await Promise.all(sending);
  channel.close();
  await Promise.all(receiving);
  if (received !== producers * perProducer) throw new Error(`lost messages: ${received}`);
  return performance.now() - start;
}

/** Jobs with no CPU work at all: what the thread boundary itself costs, per message (there and back). */
async function acrossThreads(count: number, threads: number, maxInFlight: number): Promise<number> {
  const jobs: Job[] = Array.from({ length: count }, (_, id) => ({ id, units: 0, seed: id + 1 }));
  const output = new Channel<Result>(64);
  let received = 0;
  const start = performance.now();
  const consumer = (async () => {
    for await (const _ of output) received++;
  })();
  await processOnThreads(jobs, output, { threads, maxInFlight });
  await consumer;
  const elapsed = performance.now() - start;
  if (received !== count) throw new Error(`lost results: ${received}`);
  return elapsed;
}

console.log(`Node ${process.version}, ${os.availableParallelism()} cores; best of 3 runs each.`);
const n = 1_000_000;
for (const capacity of [1, 16, 1024]) {
  console.log(`one thread, 1 producer -> 1 consumer, capacity ${String(capacity).padEnd(4)}:   ${rate(n, await best(3, () => oneThread(capacity, 1, n, 1)))}`);
}
console.log(`one thread, 4 producers -> 2 consumers, capacity 16:  ${rate(n, await best(3, () => oneThread(16, 4, n / 4, 2)))}`);
const jobs = 100_000;
await acrossThreads(2_000, 2, 64); // warm up
// Every call starts and stops its own pool of 2 threads: measure that (with one job per thread, so both
// threads really start) once, and take it out.
const overhead = await best(3, () => acrossThreads(2, 2, 64));
console.log(`across threads: starting and stopping the pool of 2 threads takes ${Math.round(overhead)} ms`);
for (const maxInFlight of [4, 64, 256]) {
  const elapsed = await best(3, () => acrossThreads(jobs, 2, maxInFlight));
  console.log(
    `across threads (processOnThreads, 2 threads, maxInFlight ${String(maxInFlight).padEnd(3)}): ${rate(jobs, elapsed - overhead)}` +
      ` (${rate(jobs, elapsed)} with the pool start)`,
  );
}
