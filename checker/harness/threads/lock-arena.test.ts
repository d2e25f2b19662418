import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LostWakeup, RightLock, WokenMeansMine } from './lock-arena.fixture.ts';
import { ArenaThreads, LockArena } from './lock-arena.ts';

const fixture = fileURLToPath(new URL('./lock-arena.fixture.ts', import.meta.url));
let threads: ArenaThreads;
beforeAll(async () => {
  threads = await ArenaThreads.start(3);
});
afterAll(async () => {
  await threads.close();
});

/** Three threads and the main thread contend for one lock of the fixture's class `name`. */
async function contend(name: string, Lock: typeof RightLock) {
  const words = new Int32Array(new SharedArrayBuffer(8));
  const arena = new LockArena(['main thread', 'thread A', 'thread B', 'thread C']);
  const mine = new Lock(words, 0);
  const runs = threads.run(arena, [1, 2, 3], { module: fixture, exportName: name, args: [words, 0], rounds: 100, holdMs: 1, gapMs: 1 });
  const main = arena.runHere(0, { rounds: 20, holdMs: 1, gapMs: 1, lock: () => mine.lockAsync(), unlock: () => mine.unlock(), lockName: 'lockAsync' });
  const outcome = await arena.settle([main, ...runs], { stallMs: 1_000 });
  if (!outcome.finished) {
    arena.stop();
    threads.abortAll();
    Atomics.store(words, 0, 0);
    Atomics.notify(words, 0);
    await Promise.allSettled([main, ...runs]);
  }
  return { arena, outcome, words };
}

describe('LockArena', () => {
  it('lets a right lock through: every round done, never two holders', async () => {
    const { outcome } = await contend('RightLock', RightLock);
    expect(outcome.finished).toBe(true);
    expect(outcome.violations).toBe(0);
    expect(outcome.parties.map((p) => [p.state, p.rounds])).toEqual([
      ['done', 20],
      ['done', 100],
      ['done', 100],
      ['done', 100],
    ]);
  });

  it('sees two holders when a lockAsync() takes its wake-up for the lock, and draws them', async () => {
    const { arena, outcome } = await contend('WokenMeansMine', WokenMeansMine);
    expect(outcome.violations).toBeGreaterThan(0);
    const first = outcome.first!;
    expect(['main thread', 'thread A', 'thread B', 'thread C']).toContain(first.entrant);
    expect(first.holder).not.toBe(first.entrant);
    expect(arena.draw(first.atMs - 5, first.atMs + 2, { holdsOnly: true })).toMatch(/holds/);
  });

  it('names a lost wake-up: somebody still waits, nothing moves, the word says free', async () => {
    const { outcome } = await contend('LostWakeup', LostWakeup);
    expect(outcome.stalled).toBe(true);
    expect(outcome.parties.some((p) => p.state === 'asking')).toBe(true);
  });

  it('reports a lock that throws', async () => {
    const arena = new LockArena(['thread A']);
    const [run] = threads.run(arena, [0], { module: fixture, exportName: 'Missing', args: [], rounds: 1, holdMs: 0, gapMs: 0 });
    const outcome = await arena.settle([run!], { stallMs: 1_000 });
    expect(outcome.error?.message).toMatch(/no export "Missing"/);
  });
});
