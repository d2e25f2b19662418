// A worker thread the *test* controls, for evidence about code that runs on other threads: it builds
// an object from the module under test (say, a mutex over a SharedArrayBuffer), runs a script of steps
// (call a method, sleep, signal the main thread), and reports when each step started and ended and
// which Atomics operations the code made. "Your lock() called compareExchange 2,000,000 times and never
// Atomics.wait" is evidence a wall clock cannot give.
//
//   const probe = await ThreadProbe.start();
//   const report = await probe.run({ module: redirect(path), exportName: 'AtomicsMutex', args: [words, 0],
//     steps: [{ signal: 1 }, { call: 'lock' }, { call: 'unlock' }] });
//   await probe.close();
//
// Real timers only (the probe's deadline is a real timer; worker threads never see fake ones).
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { AtomicsCounts, WaitOutcome } from './atomics-census.ts';

export type ProbeStep =
  /** Call a method of the object under test. */
  | { call: string; args?: unknown[] }
  /** Block the probe thread for this long (it sleeps in Atomics.wait: no CPU used). */
  | { sleepMs: number }
  /** Store this number in the probe's progress cell and wake whoever waits on it (see `waitForSignal`). */
  | { signal: number };

export interface ProbeRequest {
  /** Absolute path of the module to load, already redirected to the current target. */
  module: string;
  /** The class to construct from that module. */
  exportName: string;
  /** Constructor arguments: they cross the thread boundary (typed arrays on a SharedArrayBuffer stay shared). */
  args: unknown[];
  steps: ProbeStep[];
  /** Set by `run`: the shared cell `signal` steps write to. */
  progress?: Int32Array;
}

export interface StepReport {
  step: ProbeStep;
  /** Epoch milliseconds (performance.timeOrigin + performance.now()), comparable across threads. */
  startedAt: number;
  endedAt: number;
  /** Atomics calls the code under test made during this step, by method name (calls only). */
  atomics: AtomicsCounts;
  /** How the code's Atomics.wait calls during this step came back ('timed-out': it woke by itself, nobody notified it). */
  waits: Partial<Record<WaitOutcome, number>>;
  error?: string;
}

export interface ProbeReport {
  threadId: number;
  steps: StepReport[];
  error?: string;
}

export type ProbeOutcome = { finished: true; report: ProbeReport } | { finished: false; afterMs: number };

/** Epoch milliseconds on this thread, comparable with the probe's timestamps. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export class ThreadProbe {
  private constructor(private readonly pool: Piscina) {}

  static async start(): Promise<ThreadProbe> {
    const hasTsx = process.execArgv.some((arg) => arg.includes('tsx'));
    const pool = new Piscina({
      filename: new URL('./thread-probe.worker.ts', import.meta.url).href,
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: 60_000,
      // Piscina's execArgv replaces the inherited flags: only set it when tsx is not already inherited.
      ...(hasTsx ? {} : { execArgv: [...process.execArgv, '--require', 'tsx/cjs'] }),
    });
    const probe = new ThreadProbe(pool);
    // Warm up: a cold TypeScript worker takes ~200 ms to start; nothing should be timed before that.
    await pool.run({ module: fileURLToPath(new URL('./thread-probe.ts', import.meta.url)), exportName: 'Nothing', args: [], steps: [] });
    return probe;
  }

  /** Creates a progress cell for `signal` steps. */
  static progressCell(): Int32Array {
    return new Int32Array(new SharedArrayBuffer(4));
  }

  /**
   * Runs the request on the probe thread. If it has not finished after `timeoutMs` (a lock that never
   * wakes up, a deadlock), the probe thread is terminated and `{ finished: false }` comes back.
   */
  async run(request: ProbeRequest, timeoutMs = 5_000): Promise<ProbeOutcome> {
    const controller = new AbortController();
    const started = performance.now();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const report = (await this.pool.run({ ...request, progress: request.progress ?? ThreadProbe.progressCell() }, {
        signal: controller.signal,
      })) as ProbeReport;
      return { finished: true, report };
    } catch (error) {
      if (controller.signal.aborted) return { finished: false, afterMs: performance.now() - started };
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** An export that is not a class: used to warm the probe thread up without building anything. */
export const Nothing = undefined;

/**
 * Waits without blocking this thread (Atomics.waitAsync) until `cell[0]` holds `value`.
 * Resolves true when it does, false after `timeoutMs`.
 */
export async function waitForSignal(cell: Int32Array, value: number, timeoutMs = 5_000): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const current = Atomics.load(cell, 0);
    if (current === value) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    const result = waitAsync(cell, 0, current, left);
    if (result.async) await result.value;
  }
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };

// Atomics.waitAsync exists on Node 20 (V8 11) but is not in the ES2023 lib this project compiles against.
function waitAsync(cell: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult {
  return (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number, t: number): WaitAsyncResult }).waitAsync(
    cell,
    index,
    value,
    timeoutMs,
  );
}
