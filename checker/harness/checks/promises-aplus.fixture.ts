// A small Promises/A+ promise for the runner's own tests, with what they vary pluggable: how
// callbacks are deferred (a microtask, a timer, or not at all), and whether a callback's exception
// rejects the next promise (right) or escapes (wrong).
import type { AplusAdapter } from './promises-aplus.ts';

type Defer = (job: () => void) => void;

interface Thenable {
  then(onFulfilled?: unknown, onRejected?: unknown): Thenable;
}

export function adapterFor(defer: Defer, { catchCallbackErrors = true } = {}): AplusAdapter {
  const create = () => {
    let state: { ok: boolean; result: unknown } | undefined;
    let waiting: (() => void)[] = [];
    const settle = (ok: boolean, result: unknown) => {
      if (state) return;
      state = { ok, result };
      for (const job of waiting) defer(job);
      waiting = [];
    };
    const resolveWith = (x: unknown): void => {
      if (x === promise) return settle(false, new TypeError('self'));
      if ((typeof x !== 'object' || x === null) && typeof x !== 'function') return settle(true, x);
      let then: unknown;
      try {
        then = (x as { then?: unknown }).then;
      } catch (error) {
        return settle(false, error);
      }
      if (typeof then !== 'function') return settle(true, x);
      let once = false;
      const first = (f: (v: unknown) => void) => (v: unknown) => {
        if (once) return;
        once = true;
        f(v);
      };
      try {
        (then as (this: unknown, a: unknown, b: unknown) => void).call(x, first(resolveWith), first((r) => settle(false, r)));
      } catch (error) {
        first((e) => settle(false, e))(error);
      }
    };
    let called = false;
    const promise: Thenable = {
      then(onFulfilled, onRejected) {
        const next = create();
        const job = () => {
          if (!state) return;
          const callback = state.ok ? onFulfilled : onRejected;
          if (typeof callback !== 'function') return state.ok ? next.resolve(state.result) : next.reject(state.result);
          if (!catchCallbackErrors) return next.resolve((callback as (v: unknown) => unknown)(state.result));
          try {
            next.resolve((callback as (v: unknown) => unknown)(state.result));
          } catch (error) {
            next.reject(error);
          }
        };
        if (state) defer(job);
        else waiting.push(job);
        return next.promise;
      },
    };
    return {
      promise,
      resolve(value: unknown) {
        if (called) return;
        called = true;
        resolveWith(value);
      },
      reject(reason: unknown) {
        if (called) return;
        called = true;
        settle(false, reason);
      },
    };
  };
  return {
    deferred: create,
    resolved(value) {
      const d = create();
      d.resolve(value);
      return d.promise;
    },
    rejected(reason) {
      const d = create();
      d.reject(reason);
      return d.promise;
    },
  };
}
