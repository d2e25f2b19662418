// The worker side of GatedPool (gated-pool.ts): loads the exercise's worker file and hands it every
// task; a gated task first waits at the start gate for the other parties, then runs as a reported span
// with the Atomics calls the exercise's code made meanwhile. A task that answers with a buffer is
// reported too (RESULT_LABEL), with whether that buffer was moved back or copied.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { workerData } from 'node:worker_threads';
import { atomicsSince, atomicsSnapshot, countAtomics } from './atomics-census.ts';
import { GATED_LABEL, GATED_MODULE, RESULT_LABEL, gatedDetail, type GatedMessage, type StartGate } from './gated-pool.ts';
import { reportWork } from './work-log.ts';

// Count every Atomics call made on this thread from the start, before the exercise's file is loaded.
countAtomics();

type Handler = (task: unknown) => unknown;
let handler: Handler | undefined;
const requireModule = createRequire(import.meta.url);

/** The exercise's worker function, loaded the way piscina loads it: through `require` (tsx's hook on Node 20). */
function load(): Handler {
  const file = fileURLToPath((workerData as Record<string, string>)[GATED_MODULE]!);
  const module = requireModule(file) as { default?: unknown } | Handler;
  const found = typeof module === 'function' ? module : module.default;
  if (typeof found !== 'function') throw new TypeError(`${file} has no default export function for piscina to call`);
  return found as Handler;
}

/** Waits until every party has arrived, or `timeoutMs`; true if they all made it in time. */
function arriveAndWait(gate: StartGate): boolean {
  const arrived = Atomics.add(gate.cells, 0, 1) + 1;
  if (arrived >= gate.parties) {
    Atomics.notify(gate.cells, 0);
    return true;
  }
  const deadline = performance.now() + gate.timeoutMs;
  for (;;) {
    const seen = Atomics.load(gate.cells, 0);
    if (seen >= gate.parties) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(gate.cells, 0, seen, left);
  }
}

export default async function gated({ gate, task }: GatedMessage): Promise<unknown> {
  const run = (handler ??= load());
  if (!gate) return followResult(await run(task));
  const together = arriveAndWait(gate);
  const end = reportWork(GATED_LABEL);
  const before = atomicsSnapshot();
  try {
    return followResult(await run(task));
  } finally {
    end(gatedDetail(together, atomicsSince(before)));
  }
}

// Piscina.move() wraps a result in an object that names its transferable and its value by these
// (registered) symbols; piscina's thread unwraps it and puts the transferable in the transfer list.
const TRANSFERABLE = Symbol.for('Piscina.transferable');
const VALUE = Symbol.for('Piscina.valueOf');

/**
 * A task whose answer is a buffer (or a typed array over one, not shared memory) is reported as a
 * RESULT_LABEL span that follows that buffer: moved back to the caller, or copied (see `followTransfer`).
 */
function followResult(result: unknown): unknown {
  const value = result !== null && typeof result === 'object' && TRANSFERABLE in result ? (result as Record<symbol, unknown>)[VALUE] : result;
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value instanceof ArrayBuffer ? value : undefined;
  if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) {
    const end = reportWork(RESULT_LABEL, { bytes: buffer.byteLength });
    end();
    end.followTransfer(buffer);
  }
  return result;
}
