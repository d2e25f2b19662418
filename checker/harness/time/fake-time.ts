// Helpers for vitest fake timers: watch a promise settle without awaiting it, and move time.
import { onTestFinished, vi } from 'vitest';
import { driveTimersPromises } from './fake-timers-promises.ts';
import { labelTimer } from '../checks/leaks.ts';

export interface Tracked<T> {
  readonly status: 'pending' | 'fulfilled' | 'rejected';
  readonly value: T | undefined;
  readonly reason: unknown;
  readonly settled: boolean;
  /** When it settled, on the (fake) clock, relative to when tracking began. */
  readonly settledAtMs: number | undefined;
}

/**
 * Observes a promise. The rejection is handled here, so a test that only looks at `status`
 * never causes an unhandled rejection.
 */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const startedAt = performance.now();
  const state: {
    status: Tracked<T>['status'];
    value: T | undefined;
    reason: unknown;
    settledAtMs: number | undefined;
  } = { status: 'pending', value: undefined, reason: undefined, settledAtMs: undefined };
  promise.then(
    (value) => Object.assign(state, { status: 'fulfilled', value, settledAtMs: performance.now() - startedAt }),
    (reason: unknown) =>
      Object.assign(state, { status: 'rejected', reason, settledAtMs: performance.now() - startedAt }),
  );
  return {
    get status() {
      return state.status;
    },
    get value() {
      return state.value;
    },
    get reason() {
      return state.reason;
    },
    get settled() {
      return state.status !== 'pending';
    },
    get settledAtMs() {
      return state.settledAtMs;
    },
  };
}

/** Moves fake time forward and lets every promise that can settle, settle. */
export async function advance(msToAdvance: number): Promise<void> {
  const clock = drainingImmediates ? fakeClock() : undefined;
  if (!clock) {
    await vi.advanceTimersByTimeAsync(msToAdvance);
    return;
  }
  // Timer by timer, as Node runs them, with every real turn of the loop the code queued (setImmediate) in between.
  const target = clock.now + msToAdvance;
  await settle();
  for (let due = nextDue(clock); due !== undefined && due <= target; due = nextDue(clock)) {
    clock.next();
    await settle();
  }
  if (clock.now < target) clock.tick(target - clock.now);
  await settle();
}

/** The fake clock behind the faked timer functions (fake-timers puts it there), while the clock is fake. */
interface FakeClock {
  now: number;
  timers?: Record<string, { callAt: number }>;
  next(): number;
  tick(ms: number): number;
}
function fakeClock(): FakeClock | undefined {
  if (!vi.isFakeTimers()) return undefined;
  const clock = (globalThis.setTimeout as unknown as { clock?: FakeClock }).clock;
  return clock && typeof clock.next === 'function' && typeof clock.tick === 'function' && typeof clock.now === 'number' ? clock : undefined;
}
/** When the next fake timer is due, or undefined when none is scheduled. */
function nextDue(clock: FakeClock): number | undefined {
  const times = Object.values(clock.timers ?? {}).map((timer) => timer.callAt);
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * Whether `settle` (and so `runUntilIdle` and `advance`) waits out every `setImmediate` the code queued, not
 * just one turn of the loop. Opt in with `useFakeClock({ drainImmediates: true })`.
 */
let drainingImmediates = false;
/** How many extra turns `settle` waits at most for the code's immediates (a loop that re-queues itself for ever ends here). */
const MAX_IMMEDIATE_TURNS = 50;

/**
 * Fakes the timers and the clocks the harness reads (performance.now, Date), and nothing else:
 * setImmediate and process.nextTick stay real, so promise plumbing and unhandled-rejection checks work.
 * `AbortSignal.timeout` and `node:timers/promises` (setTimeout, setInterval, scheduler.wait) run on the
 * fake clock too, as they would on Node's; their setImmediate stays real, like the global one.
 * Undo with `vi.useRealTimers()` (an `afterEach` is the usual place).
 */
export function useFakeClock(options: { drainImmediates?: boolean } = {}): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  // setImmediate stays real, and takes no fake time: with this, a callback the code queued with it runs before
  // the clock moves on (a semaphore that hands a freed connection on with setImmediate does so at the same instant).
  drainingImmediates = options.drainImmediates ?? false;
  driveAbortSignalTimeout();
  const restore = driveTimersPromises();
  try {
    onTestFinished(() => {
      restore();
      drainingImmediates = false;
    });
  } catch {
    // Outside a test: nothing to hook; the patch only acts while the clock is fake.
  }
}

/**
 * vitest's fake timers do not drive `AbortSignal.timeout(ms)` (Node schedules it internally), so on the
 * fake clock it would never fire and a correct real-time deadline would look like no deadline at all.
 * While the clock is fake it runs on a fake timer instead, unref'd like Node's own, and labelled so a
 * leak report can name it. Put back when the test finishes.
 */
function driveAbortSignalTimeout(): void {
  if (AbortSignal.timeout.name === 'timeoutOnTheFakeClock') return;
  const original = AbortSignal.timeout.bind(AbortSignal);
  const put = Object.getOwnPropertyDescriptor(AbortSignal, 'timeout');
  AbortSignal.timeout = function timeoutOnTheFakeClock(delay: number): AbortSignal {
    if (!vi.isFakeTimers()) return original(delay);
    const controller = new AbortController();
    const timer = labelTimer('AbortSignal.timeout', `the timer of AbortSignal.timeout(${delay})`, () =>
      setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), delay),
    );
    (timer as { unref?: () => void }).unref?.();
    return controller.signal;
  };
  try {
    onTestFinished(() => {
      if (put) Object.defineProperty(AbortSignal, 'timeout', put);
    });
  } catch {
    // Outside a test: nothing to hook; the patch only acts while the clock is fake.
  }
}

/**
 * One turn of the real event loop: every promise that can settle without time passing has settled. After
 * `useFakeClock({ drainImmediates: true })`, also every `setImmediate` the code queued meanwhile has run
 * (no fake time passes for those either), and what they queued in turn, up to a bound.
 */
export function settle(): Promise<void> {
  return drainingImmediates ? drainImmediates() : oneTurn();
}
async function drainImmediates(): Promise<void> {
  await oneTurn();
  for (let turn = 0; turn < MAX_IMMEDIATE_TURNS && immediatesQueued(); turn++) await oneTurn();
}
function oneTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
/** A setImmediate callback is queued (Node lists each pending, ref'd one as an 'Immediate' resource). */
function immediatesQueued(): boolean {
  return process.getActiveResourcesInfo().includes('Immediate');
}

/**
 * Runs the fake clock from timer to timer, letting every promise settle after each one (as Node does
 * between two timers), until no timer is left or the clock passes `limitMs`. Much faster than
 * `advance` for adversarial runs: no real timeout per fired timer. `afterEach` sees every quiet moment.
 */
export async function runUntilIdle(limitMs: number, afterEach?: () => void): Promise<void> {
  const start = performance.now();
  await settle();
  afterEach?.();
  while (vi.getTimerCount() > 0 && performance.now() - start <= limitMs) {
    fireNextTimer();
    await settle();
    afterEach?.();
  }
}


/**
 * Fires exactly one timer, the next one due. vi.advanceTimersToNextTimer() fires every timer due at
 * that instant in one go, with no promise settling in between; Node settles promises after each timer.
 */
export function fireNextTimer(): void {
  // The fake clock is reachable from the faked functions (fake-timers puts it there).
  const clock = (globalThis.setTimeout as unknown as { clock?: { next(): number } }).clock;
  if (clock) clock.next();
  else vi.advanceTimersToNextTimer();
}

/** Timers still scheduled under fake timers: a leaked timer shows up here. */
export function pendingTimers(): number {
  return vi.getTimerCount();
}
