import { MessageChannel, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
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
  it('sees workers started after the watch began, including through an ESM import, and where they were made', async () => {
    watch = watchWorkers();
    const worker = new Worker(quick, { eval: true });
    expect(watch.workers.map((w) => w.threadId)).toEqual([worker.threadId]);
    expect(watch.workers[0]?.createdAt).toMatch(/^at checker\/harness\/threads\/workers\.test\.ts:\d+$/);
    expect(watch.workers[0]?.entry).toBe('code given as a string');
    expect(await watch.waitForExit(2_000)).toBe(0);
    expect(watch.workers[0]?.exited).toBe(true);
    expect(watch.leaks()).toEqual([]);
  });

  it('keeps the error a thread failed with, while its own listeners still hear it', async () => {
    watch = watchWorkers();
    const heard: string[] = [];
    const worker = new Worker(`throw new Error('the worker file could not load')`, { eval: true });
    worker.on('error', (error) => heard.push(error.message));
    expect(await watch.waitForExit(2_000)).toBe(0);
    expect(heard).toEqual(['the worker file could not load']);
    expect(watch.workers[0]?.error?.message).toBe('the worker file could not load');
    expect(watch.workers[0]?.exitCode).toBe(1);
  });

  it('reports a worker that keeps running, and terminates it on request', async () => {
    watch = watchWorkers();
    new Worker(idle, { eval: true });
    expect(await watch.waitForExit(100)).toBe(1);
    expect(watch.leaks()).toEqual([expect.stringMatching(/^worker thread \d+ \(code given as a string\), still running, created at checker\/harness\/threads\/workers\.test\.ts:\d+$/)]);
    await watch.terminateAll();
    expect(watch.running()).toBe(0);
  });

  it('tells a thread someone asked to end (still exiting) from one nobody ended, and sees that a pool\'s close() resolves after its threads exited', async () => {
    watch = watchWorkers();
    const ended = new Worker(idle, { eval: true });
    new Worker(idle, { eval: true });
    const exiting = ended.terminate();
    expect(watch.workers.map((w) => [w.endRequested, w.exited])).toEqual([[true, false], [false, false]]);
    await exiting;
    expect(watch.workers.map((w) => [w.endRequested, w.exited])).toEqual([[true, true], [false, false]]);
    await watch.terminateAll();
    const pool = new Piscina({ filename: new URL('./cpu.worker.ts', import.meta.url).href, minThreads: 2, maxThreads: 2 });
    const toEnd = watch.toEnd();
    expect(toEnd.count).toBe(2);
    let runningAtResolve: number | undefined;
    await pool.close().then(() => (runningAtResolve = toEnd.running()));
    expect(runningAtResolve).toBe(0);
    expect(watch.workers.slice(2).map((w) => [w.endRequested, w.exited])).toEqual([[true, true], [true, true]]);
  });

  it("counts among the threads a close() has to end the ones started after it began, and not the ones it is told to leave out", async () => {
    watch = watchWorkers();
    const harness = new Worker(idle, { eval: true });
    const before = new Worker(idle, { eval: true });
    const toEnd = watch.toEnd((thread) => thread.threadId === harness.threadId);
    expect(toEnd.count).toBe(1);
    const replacement = new Worker(idle, { eval: true });
    expect(toEnd.count, 'a thread started while the close() runs is its to end too').toBe(2);
    expect(toEnd.runningIds()).toEqual([before.threadId, replacement.threadId]);
    const beforeId = before.threadId;
    await before.terminate();
    expect(toEnd.runningIds()).toEqual([replacement.threadId]);
    expect(watch.workers.map((w) => w.threadId), 'a thread keeps its id in the watch once it has exited').toContain(beforeId);
    expect(watch.workers.map((w) => w.index)).toEqual([0, 1, 2]);
    await replacement.terminate();
    expect([toEnd.count, toEnd.running()]).toEqual([2, 0]);
    expect(watch.running(), 'the thread left out still runs').toBe(1);
  });

  it('stops a pool that was never closed without letting it start replacement threads', async () => {
    watch = watchWorkers();
    const pool = new Piscina({ filename: new URL('./cpu.worker.ts', import.meta.url).href, minThreads: 2, maxThreads: 2 });
    expect(pool.threads).toHaveLength(2);
    expect(watch.workers.map((w) => w.entry)).toEqual(['piscina', 'piscina']);
    await watch.terminateAll();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(watch.workers, 'no thread was started in place of the terminated ones').toHaveLength(2);
    expect(watch.running()).toBe(0);
  });

  it('reports a MessagePort left open (it keeps the process alive), not one that was closed', async () => {
    watch = watchWorkers();
    const closed = new MessageChannel();
    closed.port1.on('message', () => undefined);
    closed.port1.close();
    const open = new MessageChannel();
    open.port1.on('message', () => undefined);
    const global = new globalThis.MessageChannel();
    global.port1.close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(watch.ports).toHaveLength(6);
    expect(watch.leaks()).toEqual([expect.stringMatching(/^MessagePort, still open \(it keeps the process alive\), created at checker\/harness\/threads\/workers\.test\.ts:\d+$/)]);
    await watch.terminateAll();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(watch.leaks()).toEqual([]);
  });

  it('puts the original classes back', () => {
    watch = watchWorkers();
    const watched = Worker;
    const watchedChannel = MessageChannel;
    watch.restore();
    expect(Worker).not.toBe(watched);
    expect(MessageChannel).not.toBe(watchedChannel);
    expect(globalThis.MessageChannel).toBe(MessageChannel);
    expect(() => watchWorkers().restore()).not.toThrow();
  });
});
