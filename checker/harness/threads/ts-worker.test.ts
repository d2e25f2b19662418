import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorker, workerEntry } from './ts-worker.ts';
import { watchWorkers, type WorkerWatch } from './workers.ts';

const FIXTURE = new URL('./ts-worker.fixture.ts', import.meta.url);
const started: Worker[] = [];
let watch: WorkerWatch | undefined;
afterEach(async () => {
  await Promise.all(started.splice(0).map((worker) => worker.terminate()));
  watch?.restore();
  watch = undefined;
});

const start = (...args: Parameters<typeof startWorker>) => {
  const worker = startWorker(...args);
  started.push(worker);
  return worker;
};

describe('startWorker: a raw worker thread on a .ts file', () => {
  it('runs TypeScript in the new thread, with workerData, and moves buffers both ways', async () => {
    const worker = start(FIXTURE, { workerData: { hello: 'thread' } });
    const [ready] = (await once(worker, 'message')) as [{ kind: string; threadId: number; workerData: unknown }];
    expect(ready).toEqual({ kind: 'ready', threadId: worker.threadId, workerData: { hello: 'thread' } });
    const bytes = new Uint8Array([1, 2, 3]);
    worker.postMessage(bytes, [bytes.buffer]);
    expect(bytes.byteLength, 'moved to the worker').toBe(0);
    const [reply] = (await once(worker, 'message')) as [{ bytes: Uint8Array }];
    expect([...reply.bytes]).toEqual([2, 4, 6]);
    expect(workerEntry(worker)).toBe(fileURLToPath(FIXTURE));
  });

  it('takes an absolute path too, and reports a throw at the top of the file as the worker\'s error', async () => {
    const worker = start(fileURLToPath(FIXTURE), { workerData: { fail: true } });
    const [error] = (await once(worker, 'error')) as [Error];
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toBe('the fixture was asked to fail');
  });

  it('runs a file with a top-level await too (it cannot be required: it is imported)', async () => {
    const worker = start(new URL('./ts-worker.tla.fixture.ts', import.meta.url));
    const [message] = (await once(worker, 'message')) as [{ answer: number }];
    expect(message).toEqual({ answer: 42 });
  });

  it('refuses a relative path, which would depend on the current directory', () => {
    expect(() => startWorker('./ts-worker.fixture.ts')).toThrow(/relative path.*new URL/);
    expect(() => startWorker(new URL('https://example.com/x.ts'))).toThrow(/not a file: URL/);
  });

  it('is seen by the worker watch, under the name of the file it runs', async () => {
    watch = watchWorkers();
    const worker = start(FIXTURE);
    await once(worker, 'message');
    expect(watch.workers).toHaveLength(1);
    expect(watch.workers[0]?.entry).toBe('checker/harness/threads/ts-worker.fixture.ts');
    expect(watch.workers[0]?.createdAt).toMatch(/^at checker\/harness\/threads\/ts-worker\.test\.ts:\d+$/);
  });
});
