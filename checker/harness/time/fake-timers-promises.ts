// vitest's fake timers fake the global setTimeout/setInterval/setImmediate, not `node:timers/promises`:
// under a fake clock its `setTimeout(100)` waits 100 real ms (or never resolves, if the test only moves
// fake time), so a correct deadline written with it looks like no deadline at all. While the clock is
// fake, this puts promise forms on top of whatever global timers are installed *at call time* (the fake
// ones, and the leak watch's wrappers around them), for every way a module can reach them: named imports
// (`import { setTimeout } from 'node:timers/promises'`, kept in step by syncBuiltinESMExports), the
// default/CJS object, and `scheduler.wait` / `scheduler.yield`. With real timers they call Node's own.
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { vi } from 'vitest';
import { labelTimer } from '../checks/leaks.ts';

const require = createRequire(import.meta.url);
type TimersPromises = typeof import('node:timers/promises');
const timersPromises = require('node:timers/promises') as TimersPromises;

interface TimerOptions {
  signal?: AbortSignal;
  ref?: boolean;
}

const MARK = Symbol.for('kata.fakeTimersPromises');

/** Node's own AbortError shape: name AbortError, code ABORT_ERR, the signal's reason as the cause. */
function abortError(signal: AbortSignal): Error {
  const error = new Error('The operation was aborted', { cause: signal.reason }) as Error & { code: string };
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  return error;
}

type Unrefable = { unref?: () => unknown };

function fakeSetTimeout<T = void>(delay?: number, value?: T, options: TimerOptions = {}): Promise<T> {
  const { signal, ref = true } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = labelTimer('promise timer', `a ${Math.round(delay ?? 1)} ms setTimeout from node:timers/promises`, () =>
      setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(value as T);
      }, delay),
    );
    if (!ref) (timer as Unrefable).unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function fakeSetImmediate<T = void>(value?: T, options: TimerOptions = {}): Promise<T> {
  const { signal, ref = true } = options;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      clearImmediate(immediate);
      reject(abortError(signal!));
    };
    const immediate = setImmediate(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(value as T);
    });
    if (!ref) (immediate as Unrefable).unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** An async iterator over ticks of the global setInterval, as Node's: ticks that come while nobody waits are kept. */
async function* fakeSetInterval<T = void>(delay?: number, value?: T, options: TimerOptions = {}): AsyncGenerator<T, void, unknown> {
  const { signal, ref = true } = options;
  if (signal?.aborted) throw abortError(signal);
  let ticks = 0;
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  const interval = labelTimer('promise timer', `a ${Math.round(delay ?? 1)} ms setInterval from node:timers/promises`, () =>
    setInterval(() => {
      ticks++;
      wake?.();
    }, delay),
  );
  if (!ref) (interval as Unrefable).unref?.();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (ticks === 0 && !signal?.aborted) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (signal?.aborted) throw abortError(signal);
      for (; ticks > 0; ticks--) yield value as T;
    }
  } finally {
    clearInterval(interval);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * While the clock is fake, `node:timers/promises` runs on it. Returns the function that puts Node's own
 * back (call it when the test finishes). Installing twice is a no-op that returns a no-op.
 */
export function driveTimersPromises(): () => void {
  const tp = timersPromises as unknown as Record<string | symbol, unknown>;
  if (tp[MARK]) return () => undefined;
  const original = {
    setTimeout: timersPromises.setTimeout,
    setImmediate: timersPromises.setImmediate,
    setInterval: timersPromises.setInterval,
  };
  const scheduler = timersPromises.scheduler as unknown as Record<string, unknown>;
  const hadOwn = { wait: Object.hasOwn(scheduler, 'wait'), yield: Object.hasOwn(scheduler, 'yield') };
  const ownWait = scheduler.wait;
  const ownYield = scheduler.yield;
  const originalWait = timersPromises.scheduler.wait.bind(timersPromises.scheduler);
  const originalYield = timersPromises.scheduler.yield.bind(timersPromises.scheduler);
  const fake = vi.isFakeTimers;

  tp.setTimeout = function setTimeout(...args: Parameters<typeof fakeSetTimeout>) {
    return fake() ? fakeSetTimeout(...args) : (original.setTimeout as (...a: unknown[]) => unknown)(...args);
  };
  tp.setImmediate = function setImmediate(...args: Parameters<typeof fakeSetImmediate>) {
    return fake() ? fakeSetImmediate(...args) : (original.setImmediate as (...a: unknown[]) => unknown)(...args);
  };
  tp.setInterval = function setInterval(...args: Parameters<typeof fakeSetInterval>) {
    return fake() ? fakeSetInterval(...args) : (original.setInterval as (...a: unknown[]) => unknown)(...args);
  };
  scheduler.wait = (delay: number, options?: TimerOptions) => (fake() ? fakeSetTimeout(delay, undefined, options) : originalWait(delay, options));
  scheduler.yield = () => (fake() ? fakeSetImmediate() : originalYield());
  tp[MARK] = true;
  syncBuiltinESMExports();

  return () => {
    Object.assign(tp, original);
    if (hadOwn.wait) scheduler.wait = ownWait;
    else delete scheduler.wait;
    if (hadOwn.yield) scheduler.yield = ownYield;
    else delete scheduler.yield;
    delete tp[MARK];
    syncBuiltinESMExports();
  };
}
