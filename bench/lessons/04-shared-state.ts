// Lesson 04: shared state. Read, await, write from many tasks loses updates on one thread; an async
// mutex keeps every one. Across threads a mutex on shared memory does the same with Atomics.
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import type { CounterTask } from '../workers/atomics-counter.ts';
import { perSecond, timeMs, type Row } from '../measure.ts';
import { MissingSolution, loadSolution, solutionPath } from '../solutions.ts';

interface Account {
  read(): Promise<number>;
  write(balance: number): Promise<void>;
}

interface GateModule {
  StartGate: new () => { cells: Int32Array; open(parties: number): Promise<void> };
}

interface MutexModule {
  Mutex: new () => unknown;
  deposit(account: Account, amount: number, mutex: unknown): Promise<void>;
}

const TASKS = 100;
const DEPOSITS = 100;
const THREADS = 2;
/** Per thread: a tight critical section, for the mutex's own speed. */
const FAST_LOCKS = 1_000_000;
/** Per thread, with the exercise's pause between read and write: where a broken lock shows. */
const SLOW_LOCKS = 2_000;

export async function lesson04(): Promise<Row[]> {
  return [await asyncMutex(), await atomicsMutex()];
}

async function asyncMutex(): Promise<Row> {
  const reference = await loadSolution<MutexModule>('04-shared-state/mutex.ts', ['Mutex', 'deposit']);
  const wrong = await loadSolution<MutexModule>('04-shared-state/wrong/no-lock/mutex.ts', ['Mutex', 'deposit']);
  const run = async (module: MutexModule) => {
    let balance = 0;
    // The balance lives "somewhere slow": every read and write is a real await, as in the lesson.
    const account: Account = {
      read: () => Promise.resolve(balance),
      write: (value) => {
        balance = value;
        return Promise.resolve();
      },
    };
    const mutex = new module.Mutex();
    const elapsed = await timeMs(() =>
      Promise.all(
        Array.from({ length: TASKS }, async () => {
          for (let i = 0; i < DEPOSITS; i++) await module.deposit(account, 1, mutex);
        }),
      ),
    );
    const total = TASKS * DEPOSITS;
    return `${balance}/${total} kept, ${perSecond(total, elapsed)} deposits`;
  };
  return {
    group: '04 shared state',
    what: `async mutex: ${TASKS} tasks x ${DEPOSITS} deposits (read, await, write) (reference vs no lock)`,
    reference: await run(reference),
    wrong: await run(wrong),
    point: 'no threads, and still lost updates without the lock',
  };
}

async function atomicsMutex(): Promise<Row> {
  for (const file of ['04-shared-state/shared-vec.ts', '04-shared-state/wrong/load-then-store/shared-vec.ts']) {
    if (!existsSync(solutionPath(file))) throw new MissingSolution(`solutions/${file} is not there yet`);
  }
  const { StartGate } = await loadSolution<GateModule>('04-shared-state/shared-vec.ts', ['StartGate']);
  const run = async (mutex: CounterTask['mutex'], count: number, slow: boolean) => {
    const pool = new Piscina<CounterTask, number>({
      filename: new URL('../workers/atomics-counter.ts', import.meta.url).href,
      minThreads: THREADS,
      maxThreads: THREADS,
    });
    try {
      const gate = new StartGate();
      const words = new Int32Array(new SharedArrayBuffer(8));
      const runs = () => Array.from({ length: THREADS }, () => pool.run({ mutex, words, count, gate: gate.cells, slow }));
      // Warm both threads (loading the modules) before timing.
      const warm = new StartGate();
      const warming = Array.from({ length: THREADS }, () => pool.run({ mutex, words: new Int32Array(new SharedArrayBuffer(8)), count: 1, gate: warm.cells, slow: false }));
      await warm.open(THREADS);
      await Promise.all(warming);
      const elapsed = await timeMs(async () => {
        const started = runs();
        await gate.open(THREADS);
        await Promise.all(started);
      });
      return { kept: words[1] ?? 0, total: THREADS * count, elapsed };
    } finally {
      await pool.close();
    }
  };
  const fast = await run('reference', FAST_LOCKS, false);
  const safe = await run('reference', SLOW_LOCKS, true);
  const racy = await run('load-then-store', SLOW_LOCKS, true);
  const kept = (result: { kept: number; total: number }) =>
    `${result.kept}/${result.total} kept${result.kept < result.total ? `: ${result.total - result.kept} lost` : ''}`;
  return {
    group: '04 shared state',
    what: `Atomics mutex: ${THREADS} threads incrementing one counter under the lock; then with a 0.1 ms pause inside (reference vs load-then-store)`,
    reference: `${perSecond(fast.total, fast.elapsed)} lock+unlock (${kept(fast)}); paused: ${kept(safe)}`,
    wrong: `paused: ${kept(racy)}`,
    point: 'one atomic read-modify-write takes the lock; a load then a store lets two threads in',
  };
}
