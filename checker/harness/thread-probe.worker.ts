// The worker side of ThreadProbe (thread-probe.ts). It counts every Atomics call made on this thread,
// loads the module under test, builds one object from it and runs a script of steps, timing each one.
// Loaded by piscina through `require`, which is how tsx loads TypeScript in worker threads on Node 20.
import { createRequire } from 'node:module';
import { threadId } from 'node:worker_threads';
import type { ProbeReport, ProbeRequest, ProbeStep, StepReport } from './thread-probe.ts';

const counted = [
  'add',
  'and',
  'compareExchange',
  'exchange',
  'load',
  'notify',
  'or',
  'store',
  'sub',
  'wait',
  'xor',
] as const;

type Counted = (typeof counted)[number];
const counts: Record<Counted, number> = Object.fromEntries(counted.map((name) => [name, 0])) as Record<Counted, number>;

// Install the counters once per thread, before any module under test is loaded.
const atomics = Atomics as unknown as Record<Counted, (...args: unknown[]) => unknown>;
for (const name of counted) {
  const original = atomics[name].bind(Atomics);
  atomics[name] = (...args: unknown[]) => {
    counts[name]++;
    return original(...args);
  };
}

const requireModule = createRequire(import.meta.url);
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const unusedProgress = new Int32Array(new SharedArrayBuffer(4));
const now = () => performance.timeOrigin + performance.now();

function snapshot(): Record<string, number> {
  return { ...counts };
}

function difference(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of counted) {
    const delta = (after[name] ?? 0) - (before[name] ?? 0);
    if (delta > 0) result[name] = delta;
  }
  return result;
}

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
    const before = snapshot();
    const startedAt = now();
    let error: string | undefined;
    try {
      runStep(step, target, request.progress ?? unusedProgress);
    } catch (thrown) {
      error = describe(thrown);
    }
    // The probe's own bookkeeping (sleep, signal) is not counted: only the code under test.
    const atomicsUsed = 'call' in step ? difference(snapshot(), before) : {};
    steps.push({ step, startedAt, endedAt: now(), atomics: atomicsUsed, ...(error === undefined ? {} : { error }) });
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
