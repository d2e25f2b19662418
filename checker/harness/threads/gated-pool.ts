// A piscina pool the *test* builds around an exercise's worker file, to make a race show: the next N
// tasks wait for each other at a start gate inside their threads and are released together, and each
// reports a span (its thread, when it ran, its CPU time) with the Atomics calls the worker's code made.
// The code under test gets it as an ordinary `Piscina` and calls `pool.run(task)`; its worker file sees
// the same tasks and returns the same results as without the gate.
//
//   const pool = new GatedPool(workerUrl(new URL('./crossing.worker.ts', import.meta.url)), 2);
//   pool.gateNext(2);               // the next two tasks start at the same instant
//   await addOnThreads(pool, counter, 2, times);
//   log.spans({ since, label: GATED_LABEL })  // who ran when, and with which Atomics calls
import { Piscina } from 'piscina';
import type { AtomicsCounts } from './atomics-census.ts';
import { tsxExecArgv } from './parallel.ts';
import type { WorkSpan } from './work-log.ts';

export const GATED_LABEL = 'kata:gated-task';
/**
 * A task whose answer was a buffer (or a typed array over one): its span's `resultMoved` says whether the
 * worker moved it back (Piscina.move) or let it be copied; `detail.bytes` is its size.
 */
export const RESULT_LABEL = 'kata:buffer-result';
/** The key in workerData that names the exercise's worker file. */
export const GATED_MODULE = 'kataGatedModule';
/** Detail keys of a gated span: `together` (1 if it met every other party at the gate in time), `atomics:<method>`. */
const ATOMICS_PREFIX = 'atomics:';

export interface StartGate {
  /** [arrived] */
  cells: Int32Array;
  parties: number;
  /** How long a task waits at the gate for the others before it runs anyway. */
  timeoutMs: number;
}

export interface GatedMessage {
  gate: StartGate | null;
  task: unknown;
}

const GATED_WORKER = new URL('./gated-pool.worker.ts', import.meta.url).href;

export class GatedPool extends Piscina {
  private armed: { gate: StartGate; left: number } | undefined;

  /** `workerFile`: the exercise's worker (a file: URL, already under the target switch). */
  constructor(workerFile: string, threads: number) {
    const execArgv = tsxExecArgv();
    super({
      filename: GATED_WORKER,
      workerData: { [GATED_MODULE]: workerFile },
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: 60_000,
      ...(execArgv ? { execArgv } : {}),
    });
  }

  /** The next `parties` tasks wait for each other at a gate in their threads (each at most `timeoutMs`), then run. */
  gateNext(parties: number, timeoutMs = 500): void {
    this.armed = { gate: { cells: new Int32Array(new SharedArrayBuffer(4)), parties, timeoutMs }, left: parties };
  }

  override run(task: unknown, options?: Parameters<Piscina['run']>[1]): Promise<unknown> {
    let gate: StartGate | null = null;
    if (this.armed) {
      gate = this.armed.gate;
      if (--this.armed.left === 0) this.armed = undefined;
    }
    return super.run({ gate, task } satisfies GatedMessage, options) as Promise<unknown>;
  }
}

/** True if this gated task met every other party at the gate in time. */
export function metAtGate(span: WorkSpan): boolean {
  return span.detail?.together === 1;
}

/** The Atomics calls the worker's code made during a gated task. */
export function atomicsOf(span: WorkSpan): AtomicsCounts {
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(span.detail ?? {})) if (key.startsWith(ATOMICS_PREFIX)) counts[key.slice(ATOMICS_PREFIX.length)] = value;
  return counts;
}

/** A gated span's detail: whether it met the others, and its Atomics calls. */
export function gatedDetail(together: boolean, atomics: AtomicsCounts): Record<string, number> {
  const detail: Record<string, number> = { together: together ? 1 : 0 };
  for (const [name, count] of Object.entries(atomics)) detail[`${ATOMICS_PREFIX}${name}`] = count ?? 0;
  return detail;
}
