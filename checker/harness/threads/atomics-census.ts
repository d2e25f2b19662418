// Which Atomics operations did the code on this thread make? Installed once per thread (in a worker the
// test controls, before the code under test is loaded), it wraps every Atomics method with a counter.
// "Your worker added 1 to the counter 50,000 times and made no atomic read-modify-write" is evidence no
// scheduler can hide: a race may or may not show on a given run, the missing operation always does.
// This module imports nothing, so any worker file can load it.

export const ATOMICS_METHODS = ['add', 'and', 'compareExchange', 'exchange', 'load', 'notify', 'or', 'store', 'sub', 'wait', 'xor'] as const;

/** The operations that read, change and write a value in one indivisible step. */
export const READ_MODIFY_WRITE = ['add', 'and', 'compareExchange', 'exchange', 'or', 'sub', 'xor'] as const;

export type AtomicsCounts = Partial<Record<(typeof ATOMICS_METHODS)[number], number>>;

type Method = (typeof ATOMICS_METHODS)[number];
const INSTALLED = Symbol.for('concurrency-kata.atomics-census');

/** How an Atomics.wait call came back: woken by a notify, the value had changed already, or its timeout ran out. */
export type WaitOutcome = 'ok' | 'not-equal' | 'timed-out';

interface Census {
  counts: Record<Method, number>;
  waits: Record<WaitOutcome, number>;
}

/** Starts counting on this thread (once; later calls return the same census). */
function census(): Census {
  const holder = Atomics as unknown as Record<symbol, Census | undefined> & Record<Method, (...args: unknown[]) => unknown>;
  const installed = holder[INSTALLED];
  if (installed) return installed;
  const counts = Object.fromEntries(ATOMICS_METHODS.map((name) => [name, 0])) as Record<Method, number>;
  const waits: Record<WaitOutcome, number> = { ok: 0, 'not-equal': 0, 'timed-out': 0 };
  for (const name of ATOMICS_METHODS) {
    const original = holder[name].bind(Atomics);
    holder[name] = (...args: unknown[]) => {
      counts[name]++;
      const result = original(...args);
      if (name === 'wait' && typeof result === 'string' && result in waits) waits[result as WaitOutcome]++;
      return result;
    };
  }
  const created = { counts, waits };
  Object.defineProperty(holder, INSTALLED, { value: created });
  return created;
}

/** Installs the counters on this thread now, so that code loaded afterwards is counted from its first call. */
export function countAtomics(): void {
  census();
}

/** The counts so far on this thread (installs the counters if they are not yet). */
export function atomicsSnapshot(): Record<Method, number> {
  return { ...census().counts };
}

/** How this thread's Atomics.wait calls came back so far (installs the counters if they are not yet). */
export function waitOutcomesSnapshot(): Record<WaitOutcome, number> {
  return { ...census().waits };
}

/** How the Atomics.wait calls made since `before` came back, leaving out outcomes that did not occur. */
export function waitOutcomesSince(before: Record<WaitOutcome, number>, after = waitOutcomesSnapshot()): Partial<Record<WaitOutcome, number>> {
  const result: Partial<Record<WaitOutcome, number>> = {};
  for (const outcome of ['ok', 'not-equal', 'timed-out'] as const) {
    const delta = after[outcome] - before[outcome];
    if (delta > 0) result[outcome] = delta;
  }
  return result;
}

/** The calls made between two snapshots, leaving out methods not called. */
export function atomicsSince(before: Record<string, number>, after: Record<string, number> = atomicsSnapshot()): AtomicsCounts {
  const result: AtomicsCounts = {};
  for (const name of ATOMICS_METHODS) {
    const delta = (after[name] ?? 0) - (before[name] ?? 0);
    if (delta > 0) result[name] = delta;
  }
  return result;
}

/** How many of the calls were atomic read-modify-writes. */
export function readModifyWrites(counts: AtomicsCounts): number {
  return READ_MODIFY_WRITE.reduce((sum, name) => sum + (counts[name] ?? 0), 0);
}

/** The counts as a learner reads them: "load x50,000, store x50,000", or "no Atomics calls at all". */
export function listAtomics(counts: AtomicsCounts): string {
  const parts = Object.entries(counts)
    .filter(([, count]) => (count ?? 0) > 0)
    .map(([name, count]) => `Atomics.${name} x${(count ?? 0).toLocaleString('en-US')}`);
  return parts.join(', ') || 'no Atomics calls at all';
}

/** Adds up counts (from several threads). */
export function addAtomics(...all: AtomicsCounts[]): AtomicsCounts {
  const sum: AtomicsCounts = {};
  for (const counts of all) for (const [name, count] of Object.entries(counts)) sum[name as Method] = (sum[name as Method] ?? 0) + (count ?? 0);
  return sum;
}
