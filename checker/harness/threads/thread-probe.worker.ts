// The worker side of ThreadProbe (thread-probe.ts). It counts every Atomics call made on this thread,
// loads the module under test, builds one object from it and runs a script of steps, timing each one.
// Loaded by piscina through `require`, which is how tsx loads TypeScript in worker threads on Node 20.
import { createRequire } from 'node:module';
import { threadId } from 'node:worker_threads';
import { atomicsSince, atomicsSnapshot, countAtomics, waitOutcomesSince, waitOutcomesSnapshot } from './atomics-census.ts';
import type { ProbeReport, ProbeRequest, ProbeStep, StepReport } from './thread-probe.ts';

// Count every Atomics call made on this thread, before any module under test is loaded.
countAtomics();

const requireModule = createRequire(import.meta.url);
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const unusedProgress = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.timeOrigin + performance.now();

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

export default function runProbe(request: ProbeRequest): ProbeReport {
  const loaded = requireModule(request.module) as Record<string, unknown>;
  const Class = loaded[request.exportName];
  if (typeof Class !== 'function') {
    return { threadId, steps: [], error: `${request.module} has no export "${request.exportName}"` };
  }
  const target = new (Class as new (...args: unknown[]) => Record<string, unknown>)(...request.args);
  const steps: StepReport[] = [];
  for (const step of request.steps) {
    const before = atomicsSnapshot();
    const waitsBefore = waitOutcomesSnapshot();
    const startedAt = now();
    let error: string | undefined;
    try {
      runStep(step, target, request.progress ?? unusedProgress);
    } catch (thrown) {
      error = describe(thrown);
    }
    // The probe's own bookkeeping (sleep, signal) is not counted: only the code under test.
    const atomicsUsed = 'call' in step ? atomicsSince(before) : {};
    const waits = 'call' in step ? waitOutcomesSince(waitsBefore) : {};
    steps.push({ step, startedAt, endedAt: now(), atomics: atomicsUsed, waits, ...(error === undefined ? {} : { error }) });
    if (error !== undefined) break;
  }
  return { threadId, steps };
}

function runStep(step: ProbeStep, target: Record<string, unknown>, progress: Int32Array): void {
  if ('call' in step) {
    const method = target[step.call];
    if (typeof method !== 'function') throw new TypeError(`the object has no method ${step.call}()`);
    (method as (...args: unknown[]) => unknown).apply(target, step.args ?? []);
  } else if ('sleepMs' in step) {
    const until = now() + step.sleepMs;
    for (let left = step.sleepMs; left > 0; left = until - now()) Atomics.wait(sleepCell, 0, 0, left);
  } else {
    Atomics.store(progress, 0, step.signal);
    Atomics.notify(progress, 0);
  }
}
