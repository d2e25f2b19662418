// Measuring a parallel speed-up honestly on a machine that may be busy (FIELD-NOTES, rule 3):
// fixed work, warm threads, best of a few interleaved runs, and a same-run baseline. `BareThreads`
// is that baseline: a warm pool that does nothing but `cpuWork`, so "1 thread versus N" on it says
// what this machine gives right now. `compareSpeedup` times the code under test beside it.
import os from 'node:os';
import { Piscina } from 'piscina';
import type { CpuTask } from './cpu.worker.ts';
import { ms } from './explain.ts';

const CPU_WORKER = new URL('./cpu.worker.ts', import.meta.url).href;

/**
 * Flags a piscina pool needs to load `.ts` worker files here: none when this process already runs
 * under tsx (workers inherit it), else `--import tsx` (a pool's execArgv replaces inherited flags).
 */
export function tsxExecArgv(): string[] | undefined {
  return process.execArgv.some((arg) => arg.includes('tsx')) ? undefined : ['--import', 'tsx'];
}

/** How many threads a parallelism test should use: every core, and never fewer than two. */
export function parallelThreads(): number {
  return Math.max(2, os.availableParallelism());
}

/** Runs `work`, returns how long it took in ms (real time). */
export async function timed(work: () => unknown): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

export class BareThreads {
  private constructor(
    readonly pool: Piscina<CpuTask, { threadId: number; checksum: number }>,
    readonly threads: number,
  ) {}

  /** Starts `threads` worker threads and waits until each has run a task (and compiled cpuWork). */
  static async start(threads = parallelThreads()): Promise<BareThreads> {
    const execArgv = tsxExecArgv();
    const pool = new Piscina<CpuTask, { threadId: number; checksum: number }>({
      filename: CPU_WORKER,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      ...(execArgv ? { execArgv } : {}),
    });
    const bare = new BareThreads(pool, threads);
    const seen = new Set<number>();
    // A task holds its thread for a while, so `threads` tasks at once land on `threads` threads.
    for (let round = 0; round < 5 && seen.size < threads; round++) {
      const results = await Promise.all(Array.from({ length: threads }, () => pool.run({ units: 2, sleepMs: 40 })));
      for (const result of results) seen.add(result.threadId);
    }
    return bare;
  }

  /** `units` of cpuWork on one thread. */
  async timeOne(units: number): Promise<number> {
    return await timed(() => this.pool.run({ units }));
  }

  /** The same `units`, split evenly over every thread. */
  async timeAll(units: number): Promise<number> {
    const share = units / this.threads;
    return await timed(() => Promise.all(Array.from({ length: this.threads }, (_, i) => this.pool.run({ units: share, seed: i + 2 }))));
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

export interface Speedup {
  /** Best time of the work on one thread. */
  oneMs: number;
  /** Best time of the same work on every thread. */
  allMs: number;
  /** oneMs / allMs. */
  speedup: number;
}

export interface SpeedupComparison {
  /** What bare threads gave, measured beside the code. */
  machine: Speedup;
  code: Speedup;
  /** The code's gain as a share of the machine's: (code.speedup - 1) / (machine.speedup - 1). */
  share: number;
  rounds: number;
  threads: number;
}

export interface CompareOptions<T> {
  bare: BareThreads;
  /** cpuWork units for the bare runs: size them like the code's one-thread run (`unitsFor(ms)`). */
  units: number;
  rounds?: number;
  /** Builds a fresh input before each timed run (not timed). */
  input: () => T;
  one: (input: T) => Promise<unknown>;
  all: (input: T) => Promise<unknown>;
}

/**
 * Times the code on one thread and on all of them, beside the same comparison on bare threads,
 * interleaved round by round so a busy moment hurts both; keeps the best of each.
 */
export async function compareSpeedup<T>(options: CompareOptions<T>): Promise<SpeedupComparison> {
  const { bare, units, rounds = 3 } = options;
  const best = { bareOne: Infinity, bareAll: Infinity, codeOne: Infinity, codeAll: Infinity };
  for (let round = 0; round < rounds; round++) {
    best.bareOne = Math.min(best.bareOne, await bare.timeOne(units));
    best.bareAll = Math.min(best.bareAll, await bare.timeAll(units));
    const forOne = options.input();
    best.codeOne = Math.min(best.codeOne, await timed(() => options.one(forOne)));
    const forAll = options.input();
    best.codeAll = Math.min(best.codeAll, await timed(() => options.all(forAll)));
  }
  const machine = speedupOf(best.bareOne, best.bareAll);
  const code = speedupOf(best.codeOne, best.codeAll);
  const share = machine.speedup > 1 ? (code.speedup - 1) / (machine.speedup - 1) : 0;
  return { machine, code, share, rounds, threads: bare.threads };
}

function speedupOf(oneMs: number, allMs: number): Speedup {
  return { oneMs, allMs, speedup: oneMs / allMs };
}

/** The comparison as lines for a failure message or a log. */
export function describeSpeedup(c: SpeedupComparison, what = 'your code'): string {
  const line = (name: string, s: Speedup) =>
    `  ${name.padEnd(14)} 1 thread ${ms(s.oneMs).padStart(7)}   ${c.threads} threads ${ms(s.allMs).padStart(7)}   speed-up ${s.speedup.toFixed(2)}x`;
  return [
    line('bare threads', c.machine),
    line(what, c.code),
    `  (best of ${c.rounds} interleaved runs; ${what} reached ${Math.round(c.share * 100)}% of the machine's gain)`,
  ].join('\n');
}
