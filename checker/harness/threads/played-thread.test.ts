import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlayedThread } from './played-thread.ts';

const fixture = fileURLToPath(new URL('./played-thread.fixture.ts', import.meta.url));
let played: PlayedThread;
beforeAll(async () => {
  played = await PlayedThread.start();
});
afterAll(async () => {
  await played.close();
});

describe('PlayedThread', () => {
  it('builds and calls on a worker thread, and stops a lock where it would sleep on the word', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(words, 0, 1); // held
    const other = await played.open({ module: fixture, exportName: 'WorkerOnlyLock', args: [words, 0], word: [words, 0], calls: ['lock'] });
    try {
      expect(other.threadId).not.toBe(threadId);
      const started = performance.now();
      const outcome = other.call('lock');
      expect(outcome).toEqual({ kind: 'asleep', value: 2, napMs: 250, word: 2, calls: 3 }); // compareExchange, exchange, wait
      expect(performance.now() - started, 'it stopped instead of sleeping its 250 ms').toBeLessThan(200);
      // The same object again, on the same thread: now the lock is free.
      Atomics.store(words, 0, 0);
      expect(other.call('lock')).toEqual({ kind: 'returned', word: 1, calls: 1 });
    } finally {
      await other.end();
    }
  });

  it('watches the word in any view of the same buffer, and tells spinning and throwing apart', async () => {
    const buffer = new SharedArrayBuffer(16);
    const words = new Int32Array(buffer, 8); // the lock word at byte 8
    Atomics.store(words, 0, 1);
    const spinner = await played.open({ module: fixture, exportName: 'WrongValueLock', args: [words], word: [new Int32Array(buffer), 2], calls: ['lock'], callLimit: 100 });
    try {
      expect(spinner.call('lock')).toEqual({ kind: 'spun', word: 1, calls: 101 });
    } finally {
      await spinner.end();
    }
    const thrower = await played.open({ module: fixture, exportName: 'Thrower', args: [], word: [words, 0], calls: ['explode'] });
    try {
      expect(thrower.call('explode')).toMatchObject({ kind: 'threw', error: 'RangeError: on purpose' });
    } finally {
      await thrower.end();
    }
  });

  it('gives up on a call that never answers, and the next session still runs', async () => {
    const words = new Int32Array(new SharedArrayBuffer(4));
    words[0] = 1;
    const loop = await played.open({ module: fixture, exportName: 'PlainLoop', args: [words], word: [words, 0], calls: ['lock'] });
    const outcome = loop.call('lock', 200);
    await loop.end();
    expect(outcome.kind).toBe('stuck');
    words[0] = 0;
    const next = await played.open({ module: fixture, exportName: 'PlainLoop', args: [words], word: [words, 0], calls: ['lock'] });
    try {
      expect(next.call('lock')).toEqual({ kind: 'returned', word: 0, calls: 0 });
    } finally {
      await next.end();
    }
  });

  it('rejects open() with the reason when the object cannot be built there', async () => {
    await expect(played.open({ module: fixture, exportName: 'Missing', args: [], word: [new Int32Array(new SharedArrayBuffer(4)), 0], calls: [] })).rejects.toThrow(
      /has no export "Missing"/,
    );
  });
});
