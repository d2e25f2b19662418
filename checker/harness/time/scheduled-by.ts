// What one async call scheduled while it ran: the timers it (and everything it awaited) created, and the
// Atomics calls it made, counted in its own async context only. "Waits to be woken" versus "checks
// again on a timer" is then a count, not a guess from how long something took.
import { AsyncLocalStorage, createHook } from 'node:async_hooks';

export interface Scheduled<T> {
  outcome: PromiseSettledResult<T>;
  /** setTimeout / setInterval / node:timers/promises timers created in the call's context. */
  timers: number;
  /** setImmediate callbacks created in the call's context. */
  immediates: number;
  /** Atomics calls made in the call's context, by name (compareExchange, exchange, waitAsync, …). */
  atomics: Record<string, number>;
  /** How the call's Atomics.waitAsync waits came back: 'ok' (woken), 'timed-out', 'not-equal'. */
  waits: Record<string, number>;
  /** The timeout each waitAsync that came back 'timed-out' had asked for, in ms: what it meant to nap, however long the machine took. */
  timedOutAfterMs: number[];
}

const ATOMICS = ['compareExchange', 'exchange', 'add', 'sub', 'and', 'or', 'xor', 'load', 'store', 'wait', 'waitAsync', 'notify'] as const;

type WaitAsyncResult = { async: false; value: string } | { async: true; value: Promise<string> };

/**
 * Runs `fn` and reports what it scheduled until its promise settled. Only work started inside `fn`'s
 * async context counts (the caller's own timers, other tests' and the harness's do not).
 */
export async function scheduledBy<T>(fn: () => Promise<T>): Promise<Scheduled<T>> {
  const token = {};
  const als = new AsyncLocalStorage<object>();
  let open = true;
  const mine = () => open && als.getStore() === token;
  const report: Omit<Scheduled<T>, 'outcome'> = { timers: 0, immediates: 0, atomics: {}, waits: {}, timedOutAfterMs: [] };
  const hook = createHook({
    init(_id, type) {
      if (!mine()) return;
      if (type === 'Timeout') report.timers++;
      else if (type === 'Immediate') report.immediates++;
    },
  });
  const atomics = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const name of ATOMICS) {
    const original = atomics[name];
    if (typeof original !== 'function') continue;
    originals.set(name, original);
    atomics[name] = function (this: unknown, ...args: unknown[]) {
      const counted = mine();
      if (counted) report.atomics[name] = (report.atomics[name] ?? 0) + 1;
      const result = original.apply(this, args);
      if (counted && name === 'waitAsync') {
        const wait = result as WaitAsyncResult;
        const seen = (how: string) => {
          report.waits[how] = (report.waits[how] ?? 0) + 1;
          if (how === 'timed-out') report.timedOutAfterMs.push(Number(args[3]));
        };
        if (wait.async) void wait.value.then(seen, () => undefined);
        else seen(wait.value);
      }
      return result;
    };
  }
  hook.enable();
  let outcome: PromiseSettledResult<T>;
  try {
    outcome = { status: 'fulfilled', value: await als.run(token, fn) };
  } catch (reason) {
    outcome = { status: 'rejected', reason };
  } finally {
    open = false;
    hook.disable();
    for (const [name, original] of originals) atomics[name] = original;
  }
  return { outcome, ...report };
}
