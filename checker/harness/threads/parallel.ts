// Measuring a parallel speed-up honestly on a machine that may be busy (FIELD-NOTES, rule 3):
// fixed work, warm threads, a few attempts, and a same-run baseline. `BareThreads` is that baseline:
// a warm pool that does nothing but `cpuWork`, so "1 thread versus N" on it says what this machine
// gives right now. `judgeSpeedup` times the code under test beside it.
import os from 'node:os';
import { threadId } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { CpuTask } from './cpu.worker.ts';
import { unitsFor } from './cpu.ts';
import { ms } from '../words/explain.ts';
import { overlapOf, type Overlap } from './overlap.ts';
import { threadCpuMs, wallClock, type WorkLog, type WorkSpan } from './work-log.ts';

const CPU_WORKER = new URL('./cpu.worker.ts', import.meta.url).href;

/**
 * Flags a piscina pool needs to load `.ts` worker files here: none when this process already runs
 * under tsx (workers inherit it), else tsx's require hook, which is all piscina needs (it requires its
 * worker file; a pool's execArgv replaces inherited flags).
 */
export function tsxExecArgv(): string[] | undefined {
  return process.execArgv.some((arg) => arg.includes('tsx')) ? undefined : ['--require', 'tsx/cjs'];
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
  /** Time of the work on one thread. */
  oneMs: number;
  /** Time of the same work on every thread. */
  allMs: number;
  /** oneMs / allMs. */
  speedup: number;
}

export interface Attempt {
  /** What bare threads gave, measured inside the attempt. */
  machine: Speedup;
  code: Speedup;
  /** The code's gain as a share of the machine's: (code.speedup - 1) / (machine.speedup - 1). */
  share: number;
  /** False when the machine itself showed less than `minMachine`: the attempt says nothing. */
  conclusive: boolean;
}

export interface SpeedupVerdict {
  /** faster: one conclusive attempt reached `minShare`; slower: every conclusive attempt fell short. */
  outcome: 'faster' | 'slower' | 'inconclusive';
  attempts: Attempt[];
  threads: number;
  minShare: number;
}

export interface JudgeOptions<T> {
  bare: BareThreads;
  /** Builds a fresh input before each timed run (not timed). */
  input: () => T;
  /** The work on one thread. */
  one: (input: T) => Promise<unknown>;
  /** The same work on every thread. */
  all: (input: T) => Promise<unknown>;
  /** Attempts at most (default 3); the first conclusive success ends the judgement. */
  attempts?: number;
  /** Below this bare speed-up an attempt is inconclusive (default 1.3). */
  minMachine?: number;
  /** The share of the machine's gain the code must reach (default 0.5). */
  minShare?: number;
}

/**
 * Does the code run faster on all threads than on one, as much as this machine allows right now?
 * Each attempt times, in this order, the code on one thread, bare threads on one and on all (sized
 * like half the code's one-thread run), then the code on all threads: the bare pair sits inside the
 * code pair, so a load that drifts during the attempt shifts both. A busy machine can hide a
 * speed-up but hardly fake one, so the code passes on its best attempt; an attempt where even bare
 * threads gain nothing is inconclusive, and so is the verdict when no attempt was conclusive.
 */
export async function judgeSpeedup<T>(options: JudgeOptions<T>): Promise<SpeedupVerdict> {
  const { bare, attempts: maxAttempts = 3, minMachine = 1.3, minShare = 0.5 } = options;
  const attempts: Attempt[] = [];
  let units = 0;
  for (let i = 0; i < maxAttempts; i++) {
    const forOne = options.input();
    const codeOne = await timed(() => options.one(forOne));
    units ||= unitsFor(codeOne / 2);
    const bareOne = await bare.timeOne(units);
    const bareAll = await bare.timeAll(units);
    const forAll = options.input();
    const codeAll = await timed(() => options.all(forAll));
    const machine = speedupOf(bareOne, bareAll);
    const code = speedupOf(codeOne, codeAll);
    const share = machine.speedup > 1 ? (code.speedup - 1) / (machine.speedup - 1) : 0;
    const attempt = { machine, code, share, conclusive: machine.speedup >= minMachine };
    attempts.push(attempt);
    if (attempt.conclusive && share >= minShare) return { outcome: 'faster', attempts, threads: bare.threads, minShare };
  }
  const outcome = attempts.some((a) => a.conclusive) ? 'slower' : 'inconclusive';
  return { outcome, attempts, threads: bare.threads, minShare };
}

function speedupOf(oneMs: number, allMs: number): Speedup {
  return { oneMs, allMs, speedup: oneMs / allMs };
}

/** The attempts as a table, for a failure message or a log. */
export function describeSpeedup(verdict: SpeedupVerdict, what = 'your code'): string {
  const cell = (s: Speedup) => `${ms(s.oneMs).padStart(7)} ${ms(s.allMs).padStart(7)} ${`${s.speedup.toFixed(2)}x`.padStart(6)}`;
  const head = `             ${'bare threads'.padEnd(22)} ${what.padEnd(22)}`;
  const sub = `             ${'1 thread'.padStart(7)} ${`${verdict.threads} thr.`.padStart(7)} ${''.padStart(6)} ${'1 thread'.padStart(7)} ${`${verdict.threads} thr.`.padStart(7)}`;
  const rows = verdict.attempts.map(
    (a, i) =>
      `  attempt ${i + 1}  ${cell(a.machine)} ${cell(a.code)}   ${a.conclusive ? `${Math.round(a.share * 100)}% of the machine's gain` : 'inconclusive: bare threads gained too little'}`,
  );
  return [head, sub, ...rows].join('\n');
}

// ---------------------------------------------------------------------------------------------
// The critical path, from CPU time: what no busy machine can stretch or fake.
//
// Wall-clock speed-ups need the machine to keep still while they are measured. With another busy
// session beside ours (Linux autogroup gives each session its fair share), it does not: one thread
// was seen at 2.3x "speed-up" over itself, a real 2-thread split at 0.5x. The kernel, though,
// accounts every thread's own CPU time. A call's critical path on free cores is the calling
// thread's CPU time (splitting, copying, stitching) plus the longest piece of work handed to
// another thread; one thread doing everything has the whole work as its longest piece.

export interface CpuRun {
  /** Wall-clock time of the call (stretched by whatever else the machine does). */
  wallMs: number;
  /** CPU time of the calling thread during the call. */
  mainCpuMs: number;
  /** The reported pieces of work of the call that ran on other threads, with their CPU time. */
  pieces: WorkSpan[];
  /** Pieces of the call that ran on the calling thread (their CPU time is in mainCpuMs). */
  onCaller: WorkSpan[];
  /** mainCpuMs + the longest piece's CPU time: how long the call takes with a free core per thread. */
  criticalMs: number;
}

/** Runs `work` and returns its cost, or undefined where CPU time cannot be read (see threadCpuMs). */
export async function measureRun(log: WorkLog, label: string, work: () => Promise<unknown>): Promise<CpuRun | undefined> {
  const since = wallClock();
  const cpuBefore = threadCpuMs();
  const started = performance.now();
  await work();
  const wallMs = performance.now() - started;
  const cpuAfter = threadCpuMs();
  // The pieces' reports travel on their own channel and may trail the result by a moment.
  await log.settled({ since, label }, { timeoutMs: 1000 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const spans = await log.settled({ since, label }, { timeoutMs: 1000 });
  if (cpuBefore === undefined || cpuAfter === undefined) return undefined;
  const pieces = spans.filter((span) => span.threadId !== threadId);
  if (pieces.some((span) => span.cpuMs === undefined)) return undefined;
  const mainCpuMs = cpuAfter - cpuBefore;
  const onCaller = spans.filter((span) => span.threadId === threadId);
  return { wallMs, mainCpuMs, pieces, onCaller, criticalMs: mainCpuMs + Math.max(0, ...pieces.map((span) => span.cpuMs ?? 0)) };
}

export interface CriticalAttempt {
  one: CpuRun;
  all: CpuRun;
  /** one.criticalMs / all.criticalMs */
  speedup: number;
  /** one.wallMs / all.wallMs, for information: only meaningful on a quiet machine. */
  wallSpeedup: number;
}

export interface CriticalPathVerdict {
  /** faster: the median attempt reached minSpeedup; unavailable: no CPU times on this system. */
  outcome: 'faster' | 'slower' | 'unavailable';
  attempts: CriticalAttempt[];
  /** The median attempt by speed-up: the one the verdict rests on. */
  median?: CriticalAttempt;
  minSpeedup: number;
}

export interface CriticalPathOptions<T> {
  log: WorkLog;
  /** The label the work reports itself under (reportWork). */
  label: string;
  /** Builds a fresh input before each run (not measured). */
  input: () => T;
  one: (input: T) => Promise<unknown>;
  all: (input: T) => Promise<unknown>;
  /** Attempts (default 3, odd: the verdict uses the median). */
  attempts?: number;
  minSpeedup?: number;
}

/** Compares the critical paths of `one` and `all`, over a few attempts; the median attempt decides. */
export async function judgeCriticalPath<T>(options: CriticalPathOptions<T>): Promise<CriticalPathVerdict> {
  const { log, label, attempts: count = 3, minSpeedup = 1.3 } = options;
  const attempts: CriticalAttempt[] = [];
  for (let i = 0; i < count; i++) {
    const forOne = options.input();
    const one = await measureRun(log, label, () => options.one(forOne));
    const forAll = options.input();
    const all = await measureRun(log, label, () => options.all(forAll));
    if (!one || !all) return { outcome: 'unavailable', attempts, minSpeedup };
    attempts.push({ one, all, speedup: one.criticalMs / all.criticalMs, wallSpeedup: one.wallMs / all.wallMs });
  }
  const median = [...attempts].sort((a, b) => a.speedup - b.speedup)[Math.floor(attempts.length / 2)];
  const outcome = median && median.speedup >= minSpeedup ? 'faster' : 'slower';
  return median ? { outcome, attempts, median, minSpeedup } : { outcome, attempts, minSpeedup };
}

/** The attempts as a table: where the CPU time went, one thread versus all. */
export function describeCriticalPath(verdict: CriticalPathVerdict, one = 'one thread', all = 'all threads'): string {
  const run = (r: CpuRun) =>
    `main ${ms(r.mainCpuMs)} + longest of ${r.pieces.length} piece${r.pieces.length === 1 ? '' : 's'} ${ms(r.criticalMs - r.mainCpuMs)} = ${ms(r.criticalMs)} (wall ${ms(r.wallMs)})`;
  const rows = verdict.attempts.map(
    (a, i) =>
      `  attempt ${i + 1}: ${one}: ${run(a.one)}\n             ${all}: ${run(a.all)}\n             critical-path speed-up ${a.speedup.toFixed(2)}x (wall clock ${a.wallSpeedup.toFixed(2)}x)`,
  );
  return rows.join('\n');
}

// ---------------------------------------------------------------------------------------------
// A speed-up verdict that also needs the pieces to have run at the same time, on different threads.
//
// Arithmetic alone can be fooled: stripes awaited one by one, or a pool of one thread, have a short
// "longest piece" too, and a fine critical path. So every attempt also looks at when each piece ran
// (overlap.ts): pieces that were never under way together on two threads did not run in parallel,
// whatever the numbers say, and the verdict names that mistake instead of judging the speed.

export interface ParallelAttempt {
  /** The pieces of `all` that ran on other threads than the caller's, and how they overlapped. */
  pieces: WorkSpan[];
  /** Pieces of `all` that ran on the calling thread itself. */
  onCaller: WorkSpan[];
  overlap: Overlap;
  /** Pieces on two or more threads, under way together for at least `minTogether` of the longest one. */
  parallel: boolean;
}

export interface ParallelVerdict {
  /**
   * faster / slower: the pieces ran in parallel, and the speed-up reached minSpeedup (or not).
   * on-caller: the work ran on the calling thread. one-piece: in a single piece. one-thread: in pieces,
   * all on one thread. one-after-another: on several threads, never at the same time.
   * inconclusive: the wall-clock path only, when even bare threads gained nothing (a busy machine).
   */
  outcome: 'faster' | 'slower' | 'on-caller' | 'one-piece' | 'one-thread' | 'one-after-another' | 'inconclusive';
  /** How the speed was judged: each thread's CPU time (the critical path), or wall clocks beside bare threads. */
  clock: 'cpu' | 'wall';
  attempts: ParallelAttempt[];
  /** The attempt to show: the median one (cpu), the best one (wall), or the last, for a structural mistake. */
  shown: ParallelAttempt;
  critical?: CriticalPathVerdict;
  wall?: SpeedupVerdict;
}

export interface ParallelOptions<T> {
  log: WorkLog;
  /** The label each piece of work reports itself under (reportWork). */
  label: string;
  input: () => T;
  /** The work in one piece, on one thread. */
  one: (input: T) => Promise<unknown>;
  /** The same work split over every thread. */
  all: (input: T) => Promise<unknown>;
  /** The critical-path speed-up to reach (default 1.3). */
  minSpeedup?: number;
  /** Attempts (default 3; on the CPU-time path the median decides). */
  attempts?: number;
  /** The wall-clock path: the share of the machine's gain to reach (default 0.5), and the bare speed-up below which an attempt says nothing (default 1.3). */
  minShare?: number;
  minMachine?: number;
  /** Share of the longest piece during which pieces on two threads must have been under way together (default 0.25). */
  minTogether?: number;
  /** 'auto' (default): CPU times where this system reports them, else wall clocks. 'wall': wall clocks always. */
  clock?: 'auto' | 'wall';
  /** The bare threads the wall-clock path compares with (started on first use). */
  bare: () => Promise<BareThreads>;
}

/** How one call's pieces ran: off the calling thread or on it, and whether they overlapped on two threads. */
export function piecesOf(spans: readonly WorkSpan[], minTogether = 0.25): ParallelAttempt {
  const pieces = spans.filter((span) => span.threadId !== threadId);
  const overlap = overlapOf(pieces);
  const parallel = overlap.threads.length >= 2 && overlap.togetherMs >= minTogether * overlap.longestMs;
  return { pieces, onCaller: spans.filter((span) => span.threadId === threadId), overlap, parallel };
}

/** The structural mistake, if no call ran its pieces in parallel (judged by the last call). */
export function parallelMistake(attempts: readonly ParallelAttempt[]): 'on-caller' | 'one-piece' | 'one-thread' | 'one-after-another' | undefined {
  if (attempts.some((a) => a.parallel)) return undefined;
  const last = attempts[attempts.length - 1];
  if (!last || last.pieces.length === 0) return 'on-caller';
  if (last.pieces.length === 1) return 'one-piece';
  if (last.overlap.threads.length === 1) return 'one-thread';
  return 'one-after-another';
}

export async function judgeParallelism<T>(options: ParallelOptions<T>): Promise<ParallelVerdict> {
  const { log, label, minTogether = 0.25 } = options;
  const attemptOf = (spans: WorkSpan[]) => piecesOf(spans, minTogether);
  const structural = parallelMistake;

  if ((options.clock ?? 'auto') === 'auto' && threadCpuMs() !== undefined) {
    const critical = await judgeCriticalPath({ ...options, log, label, ...(options.minSpeedup === undefined ? {} : { minSpeedup: options.minSpeedup }) });
    if (critical.outcome !== 'unavailable') {
      const attempts = critical.attempts.map((a) => attemptOf([...a.all.pieces, ...a.all.onCaller]));
      const median = critical.median ? critical.attempts.indexOf(critical.median) : attempts.length - 1;
      const mistake = structural(attempts);
      const shown = (mistake ? attempts[attempts.length - 1] : attempts[median]) ?? attempts[0]!;
      return { outcome: mistake ?? critical.outcome, clock: 'cpu', attempts, shown, critical };
    }
  }

  // Wall clocks, beside bare threads measured in the same attempt. The `all` calls are timed as they
  // are; which pieces belong to which call is sorted out afterwards, from the calls' time windows.
  const windows: { from: number; to: number }[] = [];
  const all = async (input: T) => {
    const from = wallClock();
    try {
      return await options.all(input);
    } finally {
      windows.push({ from, to: wallClock() });
    }
  };
  const wall = await judgeSpeedup({
    ...options,
    all,
    bare: await options.bare(),
    ...(options.minShare === undefined ? {} : { minShare: options.minShare }),
    ...(options.minMachine === undefined ? {} : { minMachine: options.minMachine }),
  });
  const first = windows[0]?.from ?? wallClock();
  // As in measureRun: the reports travel on their own channel and may trail the calls a moment.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const spans = await log.settled({ since: first, label }, { timeoutMs: 1000 });
  const attempts = windows.map(({ from, to }) => attemptOf(spans.filter((span) => span.start >= from && span.start <= to)));
  const mistake = structural(attempts);
  const best = wall.attempts.reduce((at, a, i) => (a.conclusive && a.share > (wall.attempts[at]?.share ?? -Infinity) ? i : at), attempts.length - 1);
  const shown = (mistake ? attempts[attempts.length - 1] : attempts[best]) ?? attempts[0]!;
  return { outcome: mistake ?? wall.outcome, clock: 'wall', attempts, shown, wall };
}
