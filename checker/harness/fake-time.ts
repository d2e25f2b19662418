// Helpers for vitest fake timers: watch a promise settle without awaiting it, and move time.
import { vi } from 'vitest';

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
  await vi.advanceTimersByTimeAsync(msToAdvance);
}

/**
 * Fakes the timers and the clocks the harness reads (performance.now, Date), and nothing else:
 * setImmediate and process.nextTick stay real, so promise plumbing and unhandled-rejection checks work.
 * Undo with `vi.useRealTimers()` (an `afterEach` is the usual place).
 */
export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
}


/** Timers still scheduled under fake timers: a leaked timer shows up here. */
export function pendingTimers(): number {
  return vi.getTimerCount();
}
