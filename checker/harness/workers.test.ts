import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { watchWorkers, type WorkerWatch } from './workers.ts';

const idle = `require('node:worker_threads').parentPort.on('message', () => {});`;
const quick = `require('node:worker_threads').parentPort.postMessage('hi');`;
let watch: WorkerWatch | undefined;
afterEach(async () => {
  await watch?.terminateAll();
  watch?.restore();
  watch = undefined;
});

describe('watchWorkers', () => {
  it('sees workers started after the watch began, including through an ESM import', async () => {
    watch = watchWorkers();
    const worker = new Worker(quick, { eval: true });
    expect(watch.workers.map((w) => w.threadId)).toEqual([worker.threadId]);
    expect(await watch.waitForExit(2_000)).toBe(0);
    expect(watch.workers[0]?.exited).toBe(true);
  });

  it('reports a worker that keeps running, and terminates it on request', async () => {
    watch = watchWorkers();
    new Worker(idle, { eval: true });
    expect(await watch.waitForExit(100)).toBe(1);
    await watch.terminateAll();
    expect(watch.running()).toBe(0);
  });

  it('puts the original class back', () => {
    watch = watchWorkers();
    const watched = Worker;
    watch.restore();
    expect(Worker).not.toBe(watched);
    expect(() => watchWorkers().restore()).not.toThrow();
  });
});
