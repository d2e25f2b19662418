// Exercise 06 tests. Each `describe` is one graded step.
// Step 1 runs the real Promises/A+ suite on simulated time (checker/harness/checks/promises-aplus.ts), after
// a few tests of the kata's own that name the classic mistakes. Step 2 watches the executor from the
// outside: the test settles every promise a task waits for, logs the moment it settles (the task is
// then ready) and the moment the task's code runs again (it was resumed), and checks the resumes
// against a first-in, first-out ready queue, in a few hand-made cases and over many seeded random
// schedules. Step 3 is real time, where the lesson is: a ticker and a real socket beside the chunks.
import net from 'node:net';
import { setImmediate as realSetImmediate } from 'node:timers';
import { threadId } from 'node:worker_threads';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  KataError,
  SimulatedIo,
  advance,
  aplusSections,
  collectUnhandledRejections,
  describeError,
  explainAplus,
  fail,
  flushMicrotasks,
  ms,
  ranOneAfterAnother,
  runAplusSection,
  track,
  useFakeClock,
  type AplusAdapter,
} from '../../checker/harness/index.ts';
import { runInChunks, yieldToEventLoop } from './chunks.ts';
import { KataPromise, type Reject, type Resolve } from './promise.ts';
import { Runtime, TaskCancelled, type JoinHandle, type Task } from './runtime.ts';

/**
 * Stops every way of scheduling work for later, setImmediate included: only microtasks (and
 * process.nextTick) run. Whatever still waits afterwards waits for a timer, or for nothing at all.
 */
const freezeAllTimers = () =>
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date', 'performance'],
  });
afterEach(() => {
  vi.useRealTimers();
});

/**
 * Runs every microtask and process.nextTick callback that can run without time passing: a tick
 * callback runs only once the microtask queue is empty, so each turn here is a full drain of it, and
 * ticks queued by microtasks (or microtasks by ticks) get their turn in the next one.
 */
async function drain(): Promise<void> {
  await flushMicrotasks();
  for (let turn = 0; turn < 20; turn++) await new Promise<void>((resolve) => process.nextTick(resolve));
  await flushMicrotasks();
}

/**
 * Settles the awaits still open a batch per round (at most 40 rounds), in an order drawn from `picks`,
 * with every task run as far as it goes between two rounds.
 */
async function settleInRounds<T>(open: T[], picks: readonly number[], settle: (entry: T) => void): Promise<void> {
  let pick = 0;
  const next = () => picks[pick++ % picks.length] ?? 0;
  for (let round = 0; round < 40; round++) {
    await drain();
    if (open.length === 0) break;
    const size = 1 + (next() % open.length);
    const batch = Array.from({ length: size }, () => open.splice(next() % open.length, 1)[0]);
    for (const entry of batch) if (entry !== undefined) settle(entry);
  }
}

/** Says what was waiting when something that should have run did not, and what to look at in either case. */
function nothingRan(ifTimers: string, ifNothing: string): string {
  const timers = vi.isFakeTimers() ? vi.getTimerCount() : 0;
  return timers > 0
    ? `-> ${timers} timer(s) (setTimeout, setInterval or setImmediate) were waiting, frozen: ${ifTimers}`
    : `-> no timer was waiting, and every microtask and process.nextTick callback had run: ${ifNothing}`;
}

const EXECUTOR_ON_A_TIMER = 'your executor waits for a timer. Run the ready queue from a microtask (queueMicrotask) as soon as a task is put in it.';

/** Fails unless every named task has started (`started` lists the ones that did). */
function expectStarted(started: readonly string[], names: readonly string[]): void {
  const missing = names.filter((name) => !started.includes(name));
  if (missing.length === 0) return;
  const timers = vi.isFakeTimers() ? vi.getTimerCount() : 0;
  const ran = names.filter((name) => started.includes(name));
  fail(
    `With every timer stopped, ${missing.join(' and ')} never started, so this test could not go on.`,
    timers === 0 && ran.length > 0
      ? `-> ${ran.join(' and ')} started and yielded, and nothing else ran: your executor stayed with ${ran.length > 1 ? 'them' : 'it'}, waiting for what ${ran.length > 1 ? 'they' : 'it'} yielded, instead of going on with the next ready task.`
      : nothingRan(EXECUTOR_ON_A_TIMER, 'does spawn() put the task in the ready queue and schedule the executor (queueMicrotask)?'),
  );
}

// ---------------------------------------------------------------- step 1

function deferred<T>(): { promise: KataPromise<T>; resolve: Resolve<T>; reject: Reject } {
  let resolve!: Resolve<T>;
  let reject!: Reject;
  const promise = new KataPromise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const adapter: AplusAdapter = {
  resolved: (value) => new KataPromise((resolve) => resolve(value)),
  rejected: (reason) => new KataPromise((_, reject) => reject(reason)),
  deferred: () => deferred<unknown>(),
};

/**
 * The value a KataPromise settles with, seen through its own `then`. It waits a few real turns of the
 * event loop too: these tests are about values, and the microtask test above judges the timing.
 */
async function settledValue<T>(promise: KataPromise<T>): Promise<{ status: 'pending' | 'fulfilled' | 'rejected'; value?: unknown }> {
  let outcome: { status: 'pending' | 'fulfilled' | 'rejected'; value?: unknown } = { status: 'pending' };
  promise.then(
    (value) => (outcome = { status: 'fulfilled', value }),
    (reason) => (outcome = { status: 'rejected', value: reason }),
  );
  await drain();
  for (let turn = 0; turn < 10 && outcome.status === 'pending'; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
  return outcome;
}

describe('step 1: a promise of your own', () => {
  it('calls then() callbacks from the microtask queue: after then() and resolve() return, with no timer', async () => {
    freezeAllTimers();
    const log: string[] = [];
    const settled = new KataPromise<string>((resolve) => resolve('ada'));
    settled.then((value) => log.push(`onFulfilled(${value})`));
    log.push('then() returned');
    const later = deferred<string>();
    later.promise.then((value) => log.push(`onFulfilled(${value})`));
    later.resolve('grace');
    log.push('resolve() returned');
    await drain();
    const seen = `  what happened, in order: ${log.join(', ')}`;
    if (log.indexOf('onFulfilled(ada)') !== -1 && log.indexOf('onFulfilled(ada)') < log.indexOf('then() returned')) {
      fail(
        'Your promise called onFulfilled synchronously, inside then(): the promise was already fulfilled, and the callback ran before then() had returned.',
        seen,
        'Callbacks must wait until the code that called then() has finished (Promises/A+ 2.2.4), or code after then() sees',
        'a different world depending on whether the promise had settled yet. Queue them, always: queueMicrotask(callback).',
      );
    }
    if (log.indexOf('onFulfilled(grace)') !== -1 && log.indexOf('onFulfilled(grace)') < log.indexOf('resolve() returned')) {
      fail(
        'Your promise called onFulfilled synchronously, inside resolve(): the callback ran before resolve() had returned.',
        seen,
        'When the promise settles, queue the waiting callbacks (queueMicrotask) instead of calling them on the spot (Promises/A+ 2.2.4).',
      );
    }
    if (!log.includes('onFulfilled(ada)') || !log.includes('onFulfilled(grace)')) {
      fail(
        'With every timer stopped, your onFulfilled callbacks did not run: they are not in the microtask queue.',
        seen,
        nothingRan(
          'your promise defers its callbacks with a timer. setTimeout and setImmediate callbacks are macrotasks: they wait for a later turn of the event loop, behind due timers, I/O and every native promise callback. Use queueMicrotask: promise callbacks belong in the microtask queue.',
          'does then() keep the callback while the promise is pending, and does settling queue every callback kept so far (queueMicrotask)?',
        ),
      );
    }
    // process.nextTick's queue is not the microtask queue: from inside a microtask (here, after an
    // await), a tick queued first still runs after every microtask, so the order tells them apart.
    await Promise.resolve();
    const order: string[] = [];
    process.nextTick(() => order.push('a process.nextTick callback queued just before'));
    new KataPromise<string>((resolve) => resolve('ada')).then(() => order.push('onFulfilled(ada)'));
    await drain();
    if (order[0] !== 'onFulfilled(ada)') {
      fail(
        'Your promise calls its callbacks from process.nextTick\'s queue, not from the microtask queue: inside a microtask, a process.nextTick callback queued just before then() ran first.',
        `  what happened, in order: ${order.join(', ')}`,
        'process.nextTick callbacks run only once the microtask queue is empty, so your callbacks would come after every native promise callback queued',
        'meanwhile. A promise\'s callbacks are microtasks: queue them with queueMicrotask.',
      );
    }
    // Following a thenable is part of settling, so it runs on the same queue: a promise resolved with an
    // already fulfilled promise calls back from microtasks alone, before a tick queued just before it.
    await Promise.resolve();
    const follow: string[] = [];
    process.nextTick(() => follow.push('a process.nextTick callback queued just before'));
    const followers: [how: string, promise: KataPromise<string>][] = [
      ['new KataPromise((resolve) => resolve(Promise.resolve("ada")))', new KataPromise<string>((resolve) => resolve(Promise.resolve('ada')))],
      [
        '.then(() => new KataPromise((resolve) => resolve("grace")))',
        new KataPromise<number>((resolve) => resolve(1)).then(() => new KataPromise<string>((resolve) => resolve('grace'))),
      ],
    ];
    // Judged by which follower called back, whatever with: the value is the next tests' business.
    const called = followers.map(() => -1);
    for (const [i, [, promise]] of followers.entries()) {
      promise.then((value) => {
        called[i] = follow.length;
        follow.push(`onFulfilled(${String(value)})`);
      });
    }
    await drain();
    for (const [i, [how]] of followers.entries()) {
      const at = called[i] ?? -1;
      if (at === -1) {
        fail(
          `With every timer stopped, the promise made by ${how} never called its onFulfilled: it was resolved with a promise that had already fulfilled, and following it waited for something that never came.`,
          `  what happened, in order: ${follow.join(', ')}`,
          nothingRan(
            'your promise follows a thenable from a timer (setTimeout or setImmediate), so every chain through a promise waits behind timers and I/O. Call x.then(resolve, reject) inside resolve() itself, or from a microtask (queueMicrotask).',
            'resolving with a thenable x means calling x.then(resolvePromise, rejectPromise) and settling when it calls back: does your resolve() do that?',
          ),
        );
      }
      if (at < follow.indexOf('a process.nextTick callback queued just before')) continue;
      fail(
        `The promise made by ${how} called its onFulfilled only after a process.nextTick callback queued just before: it follows the promise it was resolved with from process.nextTick's queue, not from the microtask queue.`,
        `  what happened, in order: ${follow.join(', ')}`,
        'Following a thenable is part of settling, and settling happens in microtasks: call x.then(resolve, reject) inside resolve() itself, or from queueMicrotask.',
      );
    }
  });

  it('resolving with a thenable follows it, instead of fulfilling with the thenable itself', async () => {
    // A bare thenable: its then() returns nothing, which PromiseLike's type does not allow but the spec does.
    const thenable = {
      then(onFulfilled: (value: number) => void) {
        onFulfilled(42);
      },
    } as unknown as PromiseLike<number>;
    const one = new KataPromise<number>((resolve) => resolve(1));
    const chained = one.then(() => thenable);
    if ((chained as unknown) === one) {
      fail(
        'then() returned the very promise it was called on, so what its callback returns (here a thenable) has nowhere to go: that promise stays fulfilled with 1.',
        'Return a new KataPromise from then(), resolved with what the callback returns (Promises/A+ 2.2.7).',
      );
    }
    const cases: [string, KataPromise<number>, number][] = [
      ['resolve(a plain object with a then method)', new KataPromise<number>((resolve) => resolve(thenable)), 42],
      ['resolve(a native Promise)', new KataPromise<number>((resolve) => resolve(Promise.resolve(7))), 7],
      ['resolve(another KataPromise)', new KataPromise<number>((resolve) => resolve(new KataPromise<number>((r) => r(9)))), 9],
      ['a then() callback that returns a thenable', chained, 42],
    ];
    for (const [how, promise, expected] of cases) {
      const outcome = await settledValue(promise);
      if (outcome.status === 'fulfilled' && typeof outcome.value === 'object' && outcome.value !== null) {
        fail(
          `After ${how}, your promise was fulfilled with the thenable itself (an object with a then method), not with its value, ${expected}: the thenable was not unwrapped.`,
          'Resolving with a thenable x means following it: read x.then once and call it with your own resolve and reject,',
          'x.then.call(x, resolve, reject), so your promise settles when and how x does (Promises/A+ 2.3.3).',
        );
      }
      if (outcome.status !== 'fulfilled' || outcome.value !== expected) {
        fail(
          `After ${how}, your promise should be fulfilled with ${expected}; it is ${outcome.status}${outcome.status === 'pending' ? '' : ` with ${outcome.status === 'rejected' ? describeError(outcome.value) : JSON.stringify(outcome.value)}`}.`,
          'Resolving with a thenable means following it until it settles, and settling the same way (Promises/A+ 2.3).',
        );
      }
    }
  });

  it('once resolve() is called with a thenable, the resolving functions are spent: a later reject(), resolve() or throw changes nothing', async () => {
    type Later = [how: string, act: (resolve: Resolve<string>, reject: Reject) => void];
    const late = new Error('late');
    const laters: Later[] = [
      ['then reject(new Error("late"))', (_, reject) => reject(late)],
      ['then resolve("late")', (resolve) => resolve('late')],
      ['then throws new Error("late")', () => {
        throw late;
      }],
    ];
    const followed = (): { how: string; value: PromiseLike<string>; settle(): void } => {
      // A thenable that has not settled yet: it keeps the callbacks and calls them when the test says so.
      const waiting: ((value: string) => void)[] = [];
      let settled = false;
      const thenable = {
        then(onFulfilled: (value: string) => void) {
          if (settled) onFulfilled('followed');
          else waiting.push(onFulfilled);
        },
      } as unknown as PromiseLike<string>;
      const settle = () => {
        settled = true;
        waiting.forEach((callback) => callback('followed'));
      };
      return { how: 'a thenable that had not settled yet', value: thenable, settle };
    };
    const pendingNative = (): { how: string; value: PromiseLike<string>; settle(): void } => {
      const gate = manual<string>();
      return { how: 'a native promise that had not settled yet', value: gate.promise, settle: () => gate.resolve('followed') };
    };
    for (const make of [followed, pendingNative]) {
      for (const [then, act] of laters) {
        const target = make();
        let promise: KataPromise<string>;
        try {
          promise = new KataPromise<string>((resolve, reject) => {
            resolve(target.value);
            act(resolve, reject);
          });
        } catch (error) {
          fail(
            `The executor called resolve(${target.how}), ${then}: new KataPromise(executor) threw ${describeError(error)} out of the constructor.`,
            '-> an exception from the executor never leaves the constructor: call executor(resolve, reject) inside try { … } catch (error) { reject(error) },',
            '   where reject(error) does nothing once resolve has been called.',
          );
        }
        let outcome: { status: 'pending' | 'fulfilled' | 'rejected'; value?: unknown } = { status: 'pending' };
        promise.then(
          (value) => (outcome = { status: 'fulfilled', value }),
          (reason) => (outcome = { status: 'rejected', value: reason }),
        );
        await drain();
        const before = outcome;
        target.settle();
        // A few real turns too: this test is about what the promise settles with; the first test judges when.
        await drain();
        for (let turn = 0; turn < 10 && outcome.status === 'pending'; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
        if (before.status !== 'pending' || outcome.status !== 'fulfilled' || outcome.value !== 'followed') {
          const seen = before.status !== 'pending' ? before : outcome;
          const shown = seen.status === 'rejected' ? describeError(seen.value) : JSON.stringify(seen.value);
          if (before.status !== 'pending') {
            fail(
              `The executor called resolve(${target.how}), ${then}. Your promise was ${seen.status} with ${shown} before that thenable had settled: the second call counted, and the thenable it was following was ignored.`,
              'Resolving with a thenable locks the promise in, even though it is still pending: from then on it follows that thenable, and every later call',
              'of resolve or reject, or an exception from the executor, is ignored. The state alone cannot say so (it is still pending): give the',
              'constructor\'s resolve and reject one shared `resolved` flag, set by the first call of either (ECMAScript\'s [[AlreadyResolved]]).',
            );
          }
          fail(
            `The executor called resolve(${target.how}), ${then}. Once that thenable fulfilled with "followed", your promise ${seen.status === 'pending' ? 'stayed pending' : `was ${seen.status} with ${shown}`}: it did not follow the thenable it was resolved with.`,
            'Resolving with a thenable x means following it: call x.then(resolvePromise, rejectPromise) and settle the way it calls back (Promises/A+ 2.3.3).',
          );
        }
      }
    }
  });

  it('settles with whatever it is given (undefined, null, 0, false, \'\'), and an executor that throws rejects it', async () => {
    for (const [code, value] of [
      ['undefined', undefined],
      ['null', null],
      ['0', 0],
      ['false', false],
      ["''", ''],
    ] as const) {
      for (const how of ['resolve', 'reject'] as const) {
        const promise = new KataPromise<unknown>((resolve, reject) => (how === 'resolve' ? resolve(value) : reject(value)));
        // then() only once it has settled: the promise must know that it has, whatever the value.
        await drain();
        const outcome = await settledValue(promise);
        const expected = how === 'resolve' ? 'fulfilled' : 'rejected';
        if (outcome.status !== expected || !Object.is(outcome.value, value)) {
          fail(
            `new KataPromise((resolve, reject) => ${how}(${code})), then, once it had settled, .then(onFulfilled, onRejected): ${outcome.status === 'pending' ? 'neither callback ever ran' : `it was ${outcome.status} with ${describeValue(outcome.value)}`}, where it should be ${expected} with ${code}.`,
            outcome.status === 'pending'
              ? `-> your promise took ${code} for "no outcome yet": a then() after it settled waits for ever. Keep the state in a field of its own (pending, fulfilled, rejected), never read it off the value or the reason: ${code} is a value like any other.`
              : '-> a promise keeps what it was settled with, as it is, and whether it was fulfilled or rejected, in a field of its own.',
          );
        }
      }
    }
    const boom = new Error('executor failed');
    let promise: KataPromise<never> | undefined;
    try {
      promise = new KataPromise<never>(() => {
        throw boom;
      });
    } catch (error) {
      fail(
        `new KataPromise(executor), with an executor that throws, threw ${describeError(error)} out of the constructor, at whoever wrote \`new KataPromise(...)\`.`,
        '-> an exception from the executor rejects the promise instead: call executor(resolve, reject) inside try { … } catch (error) { reject(error) }.',
      );
    }
    const outcome = await settledValue(promise);
    if (outcome.status !== 'rejected' || outcome.value !== boom) {
      fail(
        `new KataPromise(executor), with an executor that throws ${describeError(boom)}: your promise is ${outcome.status}${outcome.status === 'pending' ? '' : ` with ${describeError(outcome.value)}`}, not rejected with that error.`,
        '-> an exception from the executor rejects the promise: call executor(resolve, reject) inside try { … } catch (error) { reject(error) }.',
      );
    }
  });

  it('then() returns a new promise, so calls chain: a returned value, a thrown error, a handled error', async () => {
    const start = new KataPromise<number>((resolve) => resolve(20));
    const next = start.then((x) => x + 1);
    if ((next as unknown) === start) {
      fail(
        'then() returned the very promise it was called on. A chain then carries the first value for ever, and a callback\'s',
        'return value or thrown error has nowhere to go. Return a new KataPromise, resolved with what the callback returns',
        '(rejected with what it throws) (Promises/A+ 2.2.7).',
      );
    }
    const show = (outcome: { status: string; value?: unknown }) =>
      outcome.status === 'pending' ? 'still pending' : `${outcome.status} with ${outcome.status === 'rejected' ? describeError(outcome.value) : JSON.stringify(outcome.value)}`;
    const added = await settledValue(next);
    if (added.status !== 'fulfilled' || added.value !== 21) {
      fail(`A promise fulfilled with 20, then .then((x) => x + 1): the promise then() returned is ${show(added)}, not fulfilled with 21. It resolves with what the callback returns (Promises/A+ 2.2.7.1).`);
    }
    const thrown = next.then((x) => {
      throw new Error(String(x * 2));
    });
    const threw = await settledValue(thrown);
    if (threw.status !== 'rejected' || (threw.value as Error | undefined)?.message !== '42') {
      fail(`After .then((x) => { throw new Error(String(x * 2)) }) on a promise fulfilled with 21, the promise then() returned is ${show(threw)}, not rejected with Error: 42. It rejects with what the callback throws (Promises/A+ 2.2.7.2).`);
    }
    const caught = await settledValue(thrown.then(null, (error: unknown) => Number((error as Error).message)));
    if (caught.status !== 'fulfilled' || caught.value !== 42) {
      fail(
        `A promise rejected with Error: 42, then .then(null, (error) => Number(error.message)): the promise then() returned is ${show(caught)}, not fulfilled with 42.`,
        'onRejected handles the error: what it returns fulfils the next promise, exactly as onFulfilled\'s does (a .catch that recovers); only what it throws rejects it (Promises/A+ 2.2.7.1).',
      );
    }
    const skipped = await settledValue(new KataPromise<number>((_, reject) => reject(new Error('down'))).then((x) => x + 1));
    if (skipped.status !== 'rejected' || (skipped.value as Error | undefined)?.message !== 'down') {
      fail(`A promise rejected with Error: down, then .then((x) => x + 1) with no onRejected: the promise then() returned is ${show(skipped)}. A rejection with no callback for it passes straight through, rejected with the same reason (Promises/A+ 2.2.7.4).`);
    }
  });

  it('works wherever JavaScript expects a promise: await and Promise.all follow it', async () => {
    expect(await new KataPromise<number>((resolve) => resolve(5)), 'await on a fulfilled KataPromise').toBe(5);
    const boom = new Error('boom');
    await expect(
      (async () => {
        await new KataPromise((_, reject) => reject(boom));
      })(),
      'await on a rejected KataPromise throws its reason',
    ).rejects.toBe(boom);
    expect(await Promise.all([new KataPromise<number>((resolve) => resolve(1)), Promise.resolve(2)]), 'Promise.all').toEqual([1, 2]);
  });

  for (const section of aplusSections()) {
    it(`passes section ${section.id} of the Promises/A+ compliance suite`, async () => {
      const report = await runAplusSection(section, adapter);
      if (report.failures.length > 0) fail(...explainAplus(report));
      expect(report.total, 'the section ran its tests').toBeGreaterThan(0);
    });
  }
});

// ---------------------------------------------------------------- step 2

interface Manual<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/** A native promise the test settles by hand. */
function manual<T>(): Manual<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

interface LogEntry {
  kind: 'ready' | 'resumed' | 'ended';
  task: string;
  /** For a `ready` entry: what made the task ready ("spawned", "its await settled"); for `ended`: "returned" or "threw". */
  why?: string;
  /** For a `ready` entry: a rejection made it ready. */
  rejected?: boolean;
  /**
   * For a `ready` entry made by a settled promise: how many entries the log held once a few microtask
   * turns had passed since. Only tasks that became ready before that may pass it; undefined: not yet.
   */
  passableUntil?: number;
}

/**
 * The microtask turns more a waker may take to hear of one kind of settling than of another, with room
 * to spare: `.then(ok).catch(err)` hears of a rejection a turn late, `new Promise((r) => r(p)).then(…)`
 * of every promise two turns late (but of a spawn at once).
 */
const WAKER_LAG_TURNS = 3;

/**
 * The executor seen from outside. A task is ready when it is spawned or when the promise it yielded
 * settles; the test logs that moment with a callback it registered on the promise before the task
 * yielded it, so it runs just before the executor's own waker hears of it. The task logs `resumed`
 * as soon as its code runs again.
 *
 * First in, first out is judged with one allowance: wakers hear of the kinds of settling at different
 * microtask turns (`.then(onFulfilled).catch(onRejected)` of a rejection a turn later than of a
 * fulfilment; a waker that wraps what it gets in a new promise of every promise two turns later, but of a
 * spawn at once). So a task made ready by a settled promise may be passed by a task made ready another
 * way, a few turns after it at most. And a spawned task may be passed by a task whose promise settled
 * before the spawn, however late the log hears of it (its callbacks were queued first: a runtime that
 * resumes a task right from them, as `co` does, runs it before the spawned task's first turn). Everything
 * else is strict: tasks made ready the same way keep their order, nobody passes a spawned task that was
 * ready first, and nobody passes anyone for longer.
 */
class ReadyLog {
  readonly entries: LogEntry[] = [];

  ready(task: string, why: string, rejected = false): void {
    const entry: LogEntry = { kind: 'ready', task, why, rejected };
    this.entries.push(entry);
    // A spawn makes its task ready at once, in every runtime: what the log hears of within the microtask
    // turn it is in had settled before it (its callbacks were queued first), and nothing after.
    if (why.startsWith('spawned')) {
      queueMicrotask(() => (entry.passableUntil = this.entries.length));
      return;
    }
    // Each hop runs a microtask turn after the previous one: what became ready by the last hop was
    // ready no more than a few turns after this task, and may be queued before it.
    const hop = (left: number) => {
      if (left === 0) entry.passableUntil = this.entries.length;
      else queueMicrotask(() => hop(left - 1));
    };
    hop(WAKER_LAG_TURNS);
  }

  resumed(task: string): void {
    this.entries.push({ kind: 'resumed', task });
  }

  ended(task: string, how: 'returned' | 'threw'): void {
    this.entries.push({ kind: 'ended', task, why: how });
  }

  /** A promise the test settles by hand; its settling makes `task` ready. */
  gate<T = string>(task: string): Manual<T> {
    const gate = manual<T>();
    this.watch(task, gate.promise, 'its await was fulfilled', 'its await was rejected');
    return gate;
  }

  /** Logs `task` ready when `promise` (which it is about to yield) settles. */
  watch(task: string, promise: PromiseLike<unknown>, fulfilled: string, rejected: string): void {
    promise.then(
      () => this.ready(task, fulfilled),
      () => this.ready(task, rejected, true),
    );
  }

  /** An already fulfilled promise: the task that yields it is ready again on the next microtask. */
  settled<T>(task: string, value: T): Promise<T> {
    const promise = Promise.resolve(value);
    void promise.then(() => this.ready(task, 'it awaited a settled promise'));
    return promise;
  }

  resumes(): string[] {
    return this.entries.filter((entry) => entry.kind === 'resumed').map((entry) => entry.task);
  }

  /**
   * Replays the log against a first-in, first-out ready queue (with the allowance above): the first
   * resume it cannot explain, and the queue after each entry.
   */
  #replay(): { wrong?: { index: number; expected: string | undefined; got: string; skipped: boolean }; queues: string[][]; waiting: LogEntry[] } {
    const queue: LogEntry[] = [];
    const queues: string[][] = [];
    let wrong: { index: number; expected: string | undefined; got: string; skipped: boolean } | undefined;
    const readyAt = new Map<LogEntry, number>();
    for (const [index, entry] of this.entries.entries()) {
      if (entry.kind === 'ready') {
        queue.push(entry);
        readyAt.set(entry, index);
      } else if (entry.kind === 'resumed') {
        const at = queue.findIndex((waiting) => waiting.task === entry.task);
        const passed = queue.slice(0, Math.max(at, 0));
        const resumed = queue[at];
        const mine = resumed ? (readyAt.get(resumed) ?? 0) : 0;
        // A task made ready by a settled promise may be passed by a task made ready another way (a spawn, a
        // fulfilment where it had a rejection) a few turns after it at most: wakers hear of the kinds of
        // settling at different turns. Tasks made ready the same way keep their order.
        // A spawned task may be passed only by a task whose promise had settled before the spawn: the callbacks
        // that heard of it were queued by then, and a runtime that resumes tasks from those callbacks (as `co`
        // does, and `await` itself) runs them before the spawned task's first turn.
        const passable = (waiting: LogEntry) =>
          waiting.why?.startsWith('spawned') === true
            ? resumed?.why?.startsWith('spawned') !== true && mine < (waiting.passableUntil ?? Infinity)
            : waiting.why !== resumed?.why && mine < (waiting.passableUntil ?? Infinity);
        const allowed = at >= 0 && (at === 0 || passed.every(passable));
        if (!allowed && wrong === undefined) {
          const expected = queue[0]?.task;
          const skipped = expected !== undefined && !this.entries.slice(index).some((later) => later.kind === 'resumed' && later.task === expected);
          wrong = { index, expected: at < 0 ? undefined : expected, got: entry.task, skipped: at >= 0 && skipped };
        }
        if (at >= 0) queue.splice(at, 1);
      }
      queues.push(queue.map((waiting) => waiting.task));
    }
    return { wrong, queues, waiting: queue };
  }

  /** The first resume that did not take the task that had been ready the longest. */
  firstOutOfOrder(): { index: number; expected: string | undefined; got: string; skipped: boolean } | undefined {
    return this.#replay().wrong;
  }

  /** The ready entries nobody has resumed yet. */
  waiting(): LogEntry[] {
    return this.#replay().waiting;
  }

  /** The log as lines, with the ready queue a first-in, first-out executor would hold after each. */
  draw(upTo = this.entries.length, maxLines = 24): string {
    const { wrong, queues } = this.#replay();
    const lines = this.entries.slice(0, upTo + 1).map((entry, index) => {
      const queue = queues[index] ?? [];
      const event =
        entry.kind === 'ready' ? `${entry.task} is ready (${entry.why ?? ''})` : entry.kind === 'resumed' ? `${entry.task} resumed` : `${entry.task} ${entry.why ?? 'ended'}`;
      const mark = index === upTo && wrong?.index === index ? `   <- but ${wrong.expected ?? 'nobody'} had been ready longer` : '';
      return `  ${String(index + 1).padStart(2)}. ${event.padEnd(44)} ready queue: [${queue.join(', ')}]${mark}`;
    });
    const shown = lines.slice(-maxLines);
    return (lines.length > shown.length ? ['  …'] : []).concat(shown).join('\n');
  }
}

function outOfOrderMessage(log: ReadyLog): string[] | undefined {
  const wrong = log.firstOutOfOrder();
  if (!wrong) return undefined;
  if (wrong.expected === undefined) {
    return [`Your executor resumed ${wrong.got} while ${wrong.got} was not ready: nothing it waited for had settled.`, log.draw(wrong.index)];
  }
  const why = [...log.entries.slice(0, wrong.index)].reverse().find((entry) => entry.kind === 'ready' && entry.task === wrong.expected)?.why;
  if (wrong.skipped) {
    return [
      `Your executor never resumed ${wrong.expected} after it became ready (${why ?? ''}); it resumed ${wrong.got} instead, and ${wrong.expected} never ran again.`,
      log.draw(wrong.index),
      why === 'its await was rejected'
        ? 'A rejected await wakes the task too: resume it with the error, thrown at its yield (generator.throw(error)).'
        : 'Every task that becomes ready must be resumed: the waker puts it in the ready queue, the executor takes it out and resumes it.',
    ];
  }
  // A task spawned from inside another that ran at once, before anything else was logged: spawn() ran it.
  const spawnedAt = log.entries.findLastIndex((entry, i) => i < wrong.index && entry.kind === 'ready' && entry.task === wrong.got);
  const spawner = log.entries[spawnedAt]?.why?.match(/^spawned by (.+)$/)?.[1];
  const eager =
    spawner !== undefined && spawnedAt === wrong.index - 1
      ? [`-> ${wrong.got} started the moment task ${spawner} spawned it, inside spawn(): spawn() only puts the task in the ready queue, also while the executor runs; the executor starts it when its turn comes.`]
      : [];
  return [
    `Your executor resumed ${wrong.got} while ${wrong.expected} had been ready longer (${why ?? ''}): tasks must resume in the order they became ready (first in, first out), and these came out in the wrong order.`,
    log.draw(wrong.index),
    ...eager,
    'A task that becomes ready goes to the back of the ready queue, behind every task that was ready before it, and the executor',
    'always resumes the task at the front (push and shift). A stack (pop), or staying with one task while others wait, breaks this order.',
    ...(why === 'its await was rejected'
      ? [`A task woken by a rejection is no exception: it takes its turn in the same queue (resumed with the error), not after the tasks that became ready later.`]
      : []),
  ];
}

// ------------------------------------------- step 2: what a task may yield besides a promise

/** What a task awaits at one yield, in the "exactly once per yield" test. */
type Awaitable =
  | 'settled'
  | 'gate'
  | 'fails'
  | 'twice later'
  | 'again much later'
  | 'twice at once'
  | 'both later'
  | 'rejects, then fulfils, at once'
  | 'throws after calling back'
  | 'at once'
  | 'then() throws';

const AWAITABLES: Record<Awaitable, string> = {
  settled: 'an already fulfilled promise',
  gate: 'a promise the test fulfils later',
  fails: 'a promise the test rejects later',
  'twice later': 'a thenable that calls onFulfilled twice when the test settles it',
  'again much later': 'a thenable that calls onFulfilled when the test settles it, and again once its task has moved on',
  'twice at once': 'a thenable whose then() calls onFulfilled twice before it returns',
  'both later': 'a thenable that calls onFulfilled, then onRejected, when the test settles it',
  'rejects, then fulfils, at once': 'a thenable whose then() calls onRejected, then onFulfilled, before it returns',
  'throws after calling back': 'a thenable whose then() calls onFulfilled, then throws',
  'at once': 'a thenable whose then() calls onFulfilled before it returns',
  'then() throws': 'a thenable whose then() throws before it calls anything',
};

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** One yield of one task: what it yields, what it must resume with, and what a later call passes. */
interface YieldPoint {
  readonly task: string;
  /** 1-based: the task's first yield is #1. */
  readonly number: number;
  readonly kind: Awaitable;
  readonly value: unknown;
  /** What the first call (or the promise) settles it with: the task must resume with exactly this. */
  readonly expected: Outcome;
  /** What a misbehaving thenable passes on its call after the first. */
  readonly extra?: Outcome;
  /** What its then() throws, if it does. */
  readonly thrown?: Error;
  settled: boolean;
  /** For the ones the test settles later. */
  readonly settle?: () => void;
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.ok && b.ok ? Object.is(a.value, b.value) : !a.ok && !b.ok && a.error === b.error;
}

function yieldPoint(task: string, number: number, kind: Awaitable, calls: ThenCall[] = []): YieldPoint {
  const label = `${task}#${number}`;
  const fulfilled: Outcome = { ok: true, value: label };
  const error = new Error(`${label} failed`);
  const common = { task, number, kind };
  if (kind === 'settled') return { ...common, value: Promise.resolve(label), expected: fulfilled, settled: true };
  if (kind === 'gate' || kind === 'fails') {
    const gate = manual<string>();
    // Handled here too, so a runtime that never looks at it leaves no unhandled rejection behind.
    gate.promise.catch(() => {});
    watchThen(gate.promise, task, calls);
    const point: YieldPoint = {
      ...common,
      value: gate.promise,
      expected: kind === 'gate' ? fulfilled : { ok: false, error },
      settled: false,
      settle: () => {
        point.settled = true;
        if (kind === 'gate') gate.resolve(label);
        else gate.reject(error);
      },
    };
    return point;
  }
  const second = `${label}: second call`;
  const expected: Outcome = kind === 'rejects, then fulfils, at once' || kind === 'then() throws' ? { ok: false, error } : fulfilled;
  const extra: Outcome | undefined =
    kind === 'twice later' || kind === 'again much later' || kind === 'twice at once' || kind === 'rejects, then fulfils, at once'
      ? { ok: true, value: second }
      : kind === 'both later'
        ? { ok: false, error: new Error(second) }
        : undefined;
  const thrown = kind === 'then() throws' ? error : kind === 'throws after calling back' ? new Error(`${label}: then() threw after it had called back`) : undefined;
  const atOnce = kind !== 'twice later' && kind !== 'again much later' && kind !== 'both later';
  const registered: [unknown, unknown][] = [];
  const call = (callback: unknown, argument: unknown) => {
    if (typeof callback === 'function') (callback as (argument: unknown) => void)(argument);
  };
  const fire = (onFulfilled: unknown, onRejected: unknown) => {
    if (kind === 'then() throws') throw error;
    if (expected.ok) call(onFulfilled, expected.value);
    else call(onRejected, expected.error);
    // Its second call comes once every microtask and tick of now has run: the task is at its next yield by then.
    if (kind === 'again much later') void drain().then(() => call(onFulfilled, extra?.ok ? extra.value : undefined));
    else if (extra?.ok) call(onFulfilled, extra.value);
    else if (extra) call(onRejected, extra.error);
    if (thrown !== undefined) throw thrown;
  };
  const point: YieldPoint = {
    ...common,
    expected,
    extra,
    thrown,
    settled: false,
    value: {
      then(onFulfilled: unknown, onRejected: unknown) {
        if (atOnce) {
          point.settled = true;
          fire(onFulfilled, onRejected);
          return;
        }
        registered.push([onFulfilled, onRejected]);
        if (point.settled) fire(onFulfilled, onRejected);
      },
    },
    settle: atOnce
      ? undefined
      : () => {
          point.settled = true;
          for (const [onFulfilled, onRejected] of registered) fire(onFulfilled, onRejected);
        },
  };
  return point;
}

function describeOutcome(outcome: Outcome, point?: YieldPoint): string {
  if (!outcome.ok) return `the error "${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}"`;
  if (point && outcome.value === point.value) return 'the thenable itself';
  return typeof outcome.value === 'string' ? `"${outcome.value}"` : String(outcome.value);
}

/**
 * Runs `body` with every uncaught exception collected instead of ending the test run (a runtime that
 * lets a thenable's error escape its executor throws from a microtask); vitest's own handlers are put
 * back afterwards.
 */
async function collectEscapes<T>(body: (escaped: unknown[]) => Promise<T>): Promise<T> {
  const escaped: unknown[] = [];
  const saved = process.listeners('uncaughtException');
  const onEscape = (error: unknown) => escaped.push(error);
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', onEscape);
  try {
    return await body(escaped);
  } finally {
    process.off('uncaughtException', onEscape);
    for (const listener of saved) process.on('uncaughtException', listener);
  }
}

const ONCE_PER_YIELD =
  'Each yield resumes its task exactly once, with what that yield settled with first. A thenable may call back twice, call both callbacks, call back before then() returns, or throw: only its first call counts. Register the waker through Promise.resolve(value).then(...): Promise.resolve follows any thenable, in a job of its own, and ignores every call after the first (a then() that throws before calling back rejects the await; one that throws after is ignored).';

/** Why a resume broke "exactly once per yield, with what it settled with first", in a learner's words. */
function explainResume(point: YieldPoint, got: Outcome, points: readonly YieldPoint[], history: readonly string[]): string {
  const { task } = point;
  const lines = [
    `Task ${task} was resumed at its yield #${point.number}, where it awaited ${AWAITABLES[point.kind]}, with ${describeOutcome(got, point)}: ${point.settled ? `that yield had settled with ${describeOutcome(point.expected)}` : 'what it awaited there had not settled yet'}.`,
  ];
  const source = points.find((other) => other.extra !== undefined && sameOutcome(got, other.extra));
  if (source) {
    lines.push(
      source.kind === 'again much later'
        ? `That is what the thenable ${source.task === task ? 'it' : `task ${source.task}`} yielded at #${source.number} (${AWAITABLES[source.kind]}) passed on its second call, which came when ${source.task} was already waiting at a later yield: your runtime took it for that yield's wake-up. A guard kept per task ("is it waiting?") cannot tell one yield from the next; the guard belongs to each yield's own waker.`
        : `That is what the thenable ${source.task === task ? 'it' : `task ${source.task}`} yielded at #${source.number} (${AWAITABLES[source.kind]}) passed on its second call: your runtime woke ${source.task} once per call, so one yield resumed it twice, and the second wake-up was fed into a later yield.`,
    );
  } else if (got.ok && got.value === point.value) {
    lines.push('Your runtime handed the task the thenable itself instead of following it: anything with a then() method is awaited like a promise (await does the same).');
  } else if (point.settled && got.ok && got.value === undefined && point.expected.ok) {
    lines.push('The yield gave back undefined: resume the task with what its waker heard, generator.next(value).');
  }
  lines.push(`  ${task}: ${history.join(', ')}`, `-> ${ONCE_PER_YIELD}`);
  return lines.join('\n');
}

/** A value as a learner would write it: "ok", 0, undefined, Error: lookup failed. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return String(value);
}

function describeResult(outcome: Outcome): string {
  return outcome.ok ? `fulfilled with ${describeValue(outcome.value)}` : `rejected with ${describeValue(outcome.error)}`;
}

/** Rejection reasons the random schedules draw from: an Error, and every falsy value `reject()` may get. */
const REASONS: readonly { readonly code: string; make(): unknown }[] = [
  { code: 'reject(new Error("lookup failed"))', make: () => new Error('lookup failed') },
  { code: 'reject()', make: () => undefined },
  { code: 'reject(0)', make: () => 0 },
  { code: "reject('')", make: () => '' },
  { code: 'reject(null)', make: () => null },
  { code: 'reject(false)', make: () => false },
];

const FALSY_REJECTION =
  'A rejection with a falsy reason (reject(), reject(0), reject(\'\'), throw null) is still a rejection: tell a rejection from a fulfilment by which callback of then() ran (keep an `ok` flag beside the value), never by whether the reason is truthy (`if (input.error)`).';

/** One then() call the runtime made on a promise the test gave a task. */
interface ThenCall {
  readonly task: string;
  readonly derived: unknown;
  readonly onFulfilled: boolean;
  readonly onRejected: boolean;
}

/**
 * Records every then() the runtime calls on `promise` (catch() and finally() go through then() too),
 * and the promise each call returns. `await` and Promise.resolve() are unaffected: they do not look `then` up on a native promise.
 */
function watchThen(promise: Promise<unknown>, task: string, calls: ThenCall[]): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
  const then = Promise.prototype.then;
  void Object.defineProperty(promise, 'then', {
    configurable: true,
    writable: true,
    value(this: Promise<unknown>, onFulfilled?: unknown, onRejected?: unknown) {
      const derived = then.call(this, onFulfilled as never, onRejected as never);
      calls.push({ task, derived, onFulfilled: typeof onFulfilled === 'function', onRejected: typeof onRejected === 'function' });
      return derived;
    },
  });
}

/**
 * Runs `body` and collects the rejections nobody handled while it ran, with their promises. It waits
 * two real turns of the event loop (setImmediate from node:timers, which fake timers leave alone) for
 * Node to report them, even when `body` fails, so none is blamed on a later test.
 */
async function withUnhandled<T>(body: () => Promise<T>): Promise<{ result: T; unhandled: { reason: unknown; promise: unknown }[] }> {
  const unhandled: { reason: unknown; promise: unknown }[] = [];
  const previous = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const listener = (reason: unknown, promise: unknown) => unhandled.push({ reason, promise });
  process.on('unhandledRejection', listener);
  try {
    const result = await body();
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => realSetImmediate(resolve));
    return { result, unhandled };
  } catch (error) {
    for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => realSetImmediate(resolve));
    throw error;
  } finally {
    process.off('unhandledRejection', listener);
    for (const restore of previous) process.on('unhandledRejection', restore);
  }
}

/** Why rejections went unhandled, naming the promise when it is one the runtime's then() returned. */
function explainUnhandled(unhandled: readonly { reason: unknown; promise: unknown }[], calls: readonly ThenCall[]): string {
  const first = unhandled.find(({ promise }) => calls.some((made) => made.derived === promise)) ?? unhandled[0];
  const call = calls.find((made) => made.derived === first?.promise);
  const lines = [
    `While these tasks ran, ${unhandled.length} promise(s) were rejected with nobody handling them: an unhandled rejection, and Node.js ends the process for one. One was rejected with ${describeValue(first?.reason)}.`,
  ];
  if (call && !call.onRejected) {
    lines.push(
      `It is the promise that then() returned when your runtime called then() with only onFulfilled on the promise task ${call.task} yielded, and that promise was rejected: then() passes a rejection it has no callback for on to the promise it returns, and nobody listened to that one (a separate catch() on the original handles the original only).`,
      'Register the waker in one call, then(onFulfilled, onRejected), or chain the catch onto the promise then() returns: .then(onFulfilled).catch(onRejected).',
    );
  } else if (call) {
    lines.push(`It is the promise that then() returned when your runtime called it on the promise task ${call.task} yielded: one of your callbacks threw, or passed the rejection on, and nobody listened to that promise.`);
  } else {
    lines.push('Every promise your runtime makes and nobody else sees needs a handler; a join promise that nobody joins is marked handled when it is made (promise.catch(() => {})).');
  }
  return lines.join('\n');
}

/** Why the executor sat idle while tasks were ready (`waiting`: their ready entries, oldest first). */
function stallMessage(log: ReadyLog, waiting: readonly LogEntry[]): string {
  const names = [...new Set(waiting.map((entry) => entry.task))];
  const first = waiting[0];
  const lines = [
    `Once every microtask had run, your executor sat idle while ${names.join(' and ')} ${names.length > 1 ? 'were' : 'was'} ready (${first?.task ?? '?'}: ${first?.why ?? '?'}), and nothing was left to resume ${names.length > 1 ? 'them' : 'it'}.`,
    log.draw(),
  ];
  const lastRunAt = log.entries.findLastIndex((entry) => entry.kind !== 'ready');
  const lastRun = log.entries[lastRunAt];
  const readyAt = first === undefined ? -1 : log.entries.indexOf(first);
  const spawner = first?.why?.startsWith('spawned by ') ? first.why.slice('spawned by '.length) : undefined;
  if (lastRun?.kind === 'ended' && lastRun.why === 'threw' && readyAt < lastRunAt) {
    lines.push(
      `-> The last task your executor ran was ${lastRun.task}, which threw; nothing ran after it, though ${names.join(' and ')} waited in the ready queue. A task that throws ends that task only: reject its join(), and carry on with the next ready task.`,
    );
  } else if (spawner !== undefined) {
    lines.push(
      `-> ${first?.task ?? '?'} was spawned from inside task ${spawner}, while your executor was running, and never got its turn: a task put in the ready queue while the executor runs must still be run (in this pass, or in one spawn() schedules).`,
    );
  } else if (first?.rejected === true) {
    lines.push(
      `-> ${first.task} was made ready by a rejection (${first.why ?? ''}), and never resumed: a rejected await wakes its task like a fulfilled one. Put it in the ready queue and resume it with generator.throw(error), where its own try/catch (or, failing that, its join()) gets the error.`,
    );
  } else {
    lines.push(nothingRan(EXECUTOR_ON_A_TIMER, 'every task put in the ready queue must be run: does the executor keep taking tasks from the queue until it is empty, and get scheduled again whenever one is put in it?'));
  }
  return lines.join('\n');
}

describe('step 2: a runtime of your own', () => {
  it('spawn() only queues the task: its first line runs on the executor\'s next turn, from a microtask, with no timer', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const log: string[] = [];
    // eslint-disable-next-line require-yield -- a task that never waits
    const first = runtime.spawn('a', function* () {
      log.push('a starts');
      return 'a done';
    });
    // eslint-disable-next-line require-yield -- a task that never waits
    runtime.spawn('b', function* () {
      log.push('b starts');
      return 'b done';
    });
    log.push('spawn() returned');
    const result = track(first.join());
    await flushMicrotasks();
    if (!log.includes('a starts')) {
      await new Promise<void>((resolve) => process.nextTick(resolve));
      if (log.includes('a starts')) {
        fail(
          'The task\'s first line did not run from the microtask queue: it ran only once process.nextTick\'s queue had its turn. Your executor is scheduled with process.nextTick.',
          'Node\'s nextTick queue is not the microtask queue: a tick queued while microtasks run waits until the microtask queue is empty, so every',
          'wake-up of your executor waits behind every promise callback in the program, and the order of tasks and promise callbacks changes.',
          'Schedule the executor with queueMicrotask: the ready queue runs from the microtask queue, as promise callbacks do.',
        );
      }
    }
    await drain();
    if (log[0] !== 'spawn() returned' && log.includes('a starts')) {
      fail(
        'Your spawn() ran the task\'s first line itself, before it returned:',
        `  ${log.join(', ')}`,
        'A runtime spawns by putting the task in its ready queue; the executor starts it on its next turn (tokio::spawn',
        'returns before the task is polled). Starting it inside spawn() runs a task in the middle of whoever spawned it.',
      );
    }
    if (!log.includes('a starts')) {
      fail(
        'The task was spawned, but with every timer stopped its first line never ran.',
        nothingRan(EXECUTOR_ON_A_TIMER, 'does spawn() put the task in the ready queue and schedule the executor (queueMicrotask)?'),
      );
    }
    if (log.join() !== 'spawn() returned,a starts,b starts') {
      fail(`a was spawned before b, but your executor started them in the wrong order: ${log.join(', ')}. The ready queue is first in, first out.`);
    }
    expect(result.value, 'join() resolves with what the task returned').toBe('a done');
  });

  it('a task that yields a promise is parked, and resumed with its value when it settles, not before (the waker)', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const log = new ReadyLog();
    const gate = log.gate<string>('a');
    log.ready('a', 'spawned');
    const handle = runtime.spawn('a', function* () {
      log.resumed('a');
      const user = (yield gate.promise) as string;
      log.resumed('a');
      const count = (yield log.settled('a', 2)) as number;
      log.resumed('a');
      return `${user} x${count}`;
    });
    const result = track(handle.join());
    await drain();
    expectStarted(log.resumes().length > 0 ? ['a'] : [], ['a']);
    if (log.resumes().length > 1) fail('Your executor resumed the task before the promise it yielded had settled.', log.draw());
    gate.resolve('ada');
    await drain();
    if (log.resumes().length < 2) {
      fail(
        'The promise the task yielded settled, but with every timer stopped the task was never resumed.',
        log.draw(),
        nothingRan(
          'your executor checks on a timer instead of being woken. Register a waker when a task yields: promise.then(value => put the task back in the ready queue, with that value).',
          'register a waker when a task yields: promise.then(value => put the task back in the ready queue, with that value), and have the executor run it.',
        ),
      );
    }
    const order = outOfOrderMessage(log);
    if (order) fail(...order);
    if (result.value !== 'ada x2') {
      fail(
        `The task yielded a promise that fulfilled with "ada", then an already fulfilled promise of 2, and returned \`\${user} x\${count}\`: its join() ${result.status === 'pending' ? 'is still pending' : `${result.status} with ${describeValue(result.status === 'fulfilled' ? result.value : result.reason)}`}, not "ada x2".`,
        '-> each yield gives back what its promise fulfilled with: resume the task with generator.next(value), value being what the waker heard.',
      );
    }
  });

  it('two tasks that each sleep 100 ms finish together at 100 ms, on one thread', async () => {
    useFakeClock();
    const runtime = new Runtime();
    const io = new SimulatedIo(100);
    const threads = new Set<number>();
    const sleeper = (label: string) =>
      function* () {
        threads.add(threadId);
        yield io.call(label);
        threads.add(threadId);
        return label;
      };
    const both = track(Promise.all([runtime.spawn('a', sleeper('a')).join(), runtime.spawn('b', sleeper('b')).join()]));
    await advance(100);
    if (both.status === 'fulfilled') {
      expect([...threads], 'both tasks ran on the test\'s own thread').toEqual([threadId]);
      return;
    }
    for (let waited = 0; waited < 300 && !both.settled; waited += 100) await advance(100);
    const sequential = io.started.length === 2 && ranOneAfterAnother(io.timeline.intervals);
    fail(
      `Two tasks that each sleep 100 ms had not both finished at 100 ms (${both.settled ? `they had at ${ms(both.settledAtMs ?? 0)}` : `still ${both.status} at 400 ms`}).`,
      io.draw(),
      sequential
        ? '-> they ran one after the other: your executor waited for a\'s sleep before it even started b. An executor never waits for one task: when a task yields, register its waker and go on with the next ready task.'
        : io.started.length < 2
          ? `-> only ${io.started.join(', ') || 'no task'} ever started its sleep.`
          : both.settled
            ? '-> both sleeps overlapped, but the tasks were resumed only later than their sleeps ended: something other than the promise settling woke them (a timer that checks?). The waker should put a task back in the ready queue the moment its promise settles.'
            : '-> both sleeps overlapped, but the tasks were never resumed: is the waker registered on what the task yielded?',
    );
  });

  it('tasks resume in the order they became ready: first in, first out', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const log = new ReadyLog();
    const gates = new Map<string, Manual<string>>();
    const handles = ['a', 'b', 'c'].map((name) => {
      log.ready(name, 'spawned');
      return runtime.spawn(name, function* () {
        log.resumed(name);
        const gate = log.gate(name);
        gates.set(name, gate);
        yield gate.promise;
        log.resumed(name);
        // Ready again at once: behind every task that was ready before it.
        yield log.settled(name, 0);
        log.resumed(name);
      });
    });
    const all = track(Promise.all(handles.map((handle) => handle.join())));
    await drain();
    expectStarted([...gates.keys()], ['a', 'b', 'c']);
    for (const name of ['c', 'a', 'b']) gates.get(name)?.resolve('go');
    await drain();
    const order = outOfOrderMessage(log);
    if (order) fail(...order);
    expect(log.resumes(), 'the resumes').toEqual(['a', 'b', 'c', 'c', 'a', 'b', 'c', 'a', 'b']);
    expect(all.status, 'every task finished').toBe('fulfilled');
  });

  it('a task that yields a plain value (`yield;`, `yield 5`) goes to the back of the ready queue: the tasks ready before it run first', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const log: string[] = [];
    const got: unknown[] = [];
    const a = runtime.spawn('a', function* () {
      log.push('a starts');
      got.push(yield 5);
      log.push('a resumed');
      got.push(yield);
      log.push('a resumed again');
    });
    const b = runtime.spawn('b', function* () {
      log.push('b starts');
      yield;
      log.push('b resumed');
    });
    const both = track(Promise.all([a.join(), b.join()]));
    await drain();
    const expected = ['a starts', 'b starts', 'a resumed', 'b resumed', 'a resumed again'];
    if (log.join() !== expected.join()) {
      const early = log.indexOf('a resumed') >= 0 && (log.indexOf('b starts') < 0 || log.indexOf('a resumed') < log.indexOf('b starts'));
      fail(
        `Tasks a and b were spawned together; a yielded 5 (a plain value, no promise) and then nothing (\`yield;\`), b yielded nothing once. What ran: ${log.join(', ') || 'nothing'}.`,
        early
          ? '-> your executor resumed a at once, before b, which had been ready all along: a yield is an await point, whatever it hands over. A value that is no promise is ready at once, so the task goes to the back of the ready queue, behind every task ready before it (`Promise.resolve(value).then(waker)` does it); `yield;` is how a task lets the others run.'
          : log.length < expected.length
            ? `-> expected: ${expected.join(', ')}.\n${nothingRan(
                'your runtime wakes a task that yielded a plain value with a timer. A value that is no promise is ready at once: put the task at the back of the ready queue now (Promise.resolve(value).then(waker) does it), from the microtask queue.',
                'a task that yields a plain value must be woken too, at once: it goes to the back of the ready queue and resumes with that value (Promise.resolve(value).then(waker) does it).',
              )}`
            : `-> expected: ${expected.join(', ')}. A yield of a plain value makes its task ready at once: it goes to the back of the ready queue and resumes with that value.`,
      );
    }
    if (got.length !== 2 || got[0] !== 5 || got[1] !== undefined) {
      fail(
        `Task a yielded 5, then nothing (\`yield;\`): its yields gave back ${got.map(describeValue).join(' and ')}, not 5 and undefined.`,
        '-> a yield of a plain value gives back that value, as `await 5` gives 5: resume the task with generator.next(value).',
      );
    }
    expect(both.status, 'both tasks finished').toBe('fulfilled');
  });

  it('over 200 seeded random schedules (tasks that spawn and join tasks, share a name, fail, awaits rejected with falsy reasons, late and repeated joins), every task resumes in the order it became ready, with what it awaited, and every join() settles with its task\'s outcome', async () => {
    freezeAllTimers();
    type Await = 'gate' | 'settled' | 'fails' | 'spawns' | 'spawns and joins';
    interface Shape {
      awaits: Await[];
      ends: 'returns' | 'throws';
      reason: number;
      sharedName: boolean;
      joins: number;
      lateJoins: number;
    }
    const shape = fc.record({
      awaits: fc.array(fc.constantFrom<Await>('gate', 'settled', 'fails', 'spawns', 'spawns and joins'), { minLength: 1, maxLength: 3 }),
      ends: fc.constantFrom<'returns' | 'throws'>('returns', 'throws'),
      reason: fc.nat({ max: REASONS.length - 1 }),
      sharedName: fc.boolean(),
      joins: fc.nat({ max: 2 }),
      lateJoins: fc.nat({ max: 2 }),
    });
    const schedules = fc.record({
      tasks: fc.array(shape, { minLength: 2, maxLength: 4 }),
      picks: fc.array(fc.nat({ max: 11 }), { minLength: 12, maxLength: 12 }),
    });
    const SHARED = 'job';
    /** A child spawned at a task's await #k: one await and an end, drawn from its parent's shape. */
    const childShape = (parent: Shape, k: number): Shape => ({
      awaits: [k % 2 === 0 ? 'gate' : 'settled'],
      ends: (parent.reason + k) % 2 === 0 ? 'returns' : 'throws',
      reason: (parent.reason + k + 1) % REASONS.length,
      sharedName: parent.sharedName,
      joins: 0,
      lateJoins: parent.lateJoins,
    });
    // Errors that escape the runtime as uncaught exceptions, collected instead of ending the test run.
    let escaped: unknown[] = [];
    const run = async ({ tasks, picks }: { tasks: Shape[]; picks: number[] }, uniqueNames: boolean): Promise<string | undefined> => {
      escaped.length = 0;
      const runtime = new Runtime();
      const log = new ReadyLog();
      const open: { task: string; settle(): void }[] = [];
      const calls: ThenCall[] = [];
      const outcomes = new Map<string, Outcome>();
      const handles = new Map<string, { handle: JoinHandle<unknown>; shape: Shape }>();
      const joins: { task: string; when: string; result: ReturnType<typeof track<unknown>> }[] = [];
      let problem: string | undefined;
      const note = (message: string) => {
        problem ??= message;
      };
      const check = (task: string, k: number, what: string, got: Outcome, expected: Outcome | undefined) => {
        if (expected === undefined) {
          note(`Task ${task} was resumed at its await #${k} (${what}) with ${describeOutcome(got)}, but what it awaited had not settled yet.\n${log.draw()}`);
        } else if (!sameOutcome(got, expected)) {
          note(
            [
              `Task ${task} was resumed at its await #${k} (${what}) ${got.ok ? `with the value ${describeValue(got.value)}` : `with ${describeValue(got.error)} thrown at its yield`}; that await had been ${describeResult(expected)}.`,
              !expected.ok && got.ok && !expected.error
                ? `-> ${FALSY_REJECTION}`
                : !expected.ok && got.ok
                  ? '-> A rejected await must throw its reason at the yield (generator.throw(reason)), as `await` does.'
                  : '-> Resume each task with what its own await settled with: the value of a fulfilment, the reason of a rejection thrown at its yield.',
            ].join('\n'),
          );
        }
      };
      const spawnTask = (task: string, my: Shape, spawnedBy?: string): JoinHandle<unknown> => {
        const name = my.sharedName && !uniqueNames ? SHARED : task;
        log.ready(task, spawnedBy ? `spawned by ${spawnedBy}` : 'spawned');
        const handle = runtime.spawn(name, function* (): Task<unknown> {
          log.resumed(task);
          for (const [i, kind] of my.awaits.entries()) {
            const k = i + 1;
            let got: Outcome;
            if (kind === 'spawns' || kind === 'spawns and joins') {
              const child = `${task}${k}`;
              const childHandle = spawnTask(child, childShape(my, k), task);
              if (kind === 'spawns') continue;
              const joined = childHandle.join();
              log.watch(task, joined, `${child}, which it joined, finished`, `${child}, which it joined, failed`);
              if (joined instanceof Promise) watchThen(joined, task, calls);
              try {
                got = { ok: true, value: yield joined };
              } catch (error) {
                got = { ok: false, error };
              }
              log.resumed(task);
              check(task, k, `the join() of ${child}, which it spawned`, got, outcomes.get(child));
              continue;
            }
            if (kind === 'settled') {
              const value = `${task}#${k}`;
              try {
                got = { ok: true, value: yield log.settled(task, value) };
              } catch (error) {
                got = { ok: false, error };
              }
              log.resumed(task);
              check(task, k, 'an already fulfilled promise', got, { ok: true, value });
              continue;
            }
            const gate = log.gate(task);
            watchThen(gate.promise, task, calls);
            const reason = REASONS[(my.reason + k) % REASONS.length] ?? REASONS[0];
            const expected: Outcome = kind === 'fails' ? { ok: false, error: reason?.make() } : { ok: true, value: `${task}#${k}` };
            let settled = false;
            open.push({
              task,
              settle: () => {
                settled = true;
                if (expected.ok) gate.resolve(expected.value as string);
                else gate.reject(expected.error);
              },
            });
            try {
              got = { ok: true, value: yield gate.promise };
            } catch (error) {
              got = { ok: false, error };
            }
            log.resumed(task);
            check(task, k, kind === 'fails' ? `a promise the test rejected: ${reason?.code ?? ''}` : 'a promise the test fulfilled', got, settled ? expected : undefined);
          }
          const outcome: Outcome = my.ends === 'throws' ? { ok: false, error: (REASONS[my.reason] ?? REASONS[0])?.make() } : { ok: true, value: `${task} done` };
          outcomes.set(task, outcome);
          log.ended(task, outcome.ok ? 'returned' : 'threw');
          if (!outcome.ok) throw outcome.error;
          return outcome.value;
        });
        handles.set(task, { handle, shape: my });
        for (let j = 0; j < my.joins; j++) joins.push({ task, when: 'right after spawn(), while it ran', result: track(handle.join()) });
        return handle;
      };
      const { unhandled } = await withUnhandled(async () => {
        tasks.forEach((my, i) => spawnTask(String.fromCharCode(97 + i), my));
        let pick = 0;
        const next = () => picks[pick++ % picks.length] ?? 0;
        for (let round = 0; round < 40; round++) {
          await drain();
          const order = outOfOrderMessage(log);
          if (order) note(order.join('\n'));
          const waiting = log.waiting();
          if (waiting.length > 0) note(stallMessage(log, waiting));
          if (problem !== undefined || open.length === 0) break;
          const size = 1 + (next() % open.length);
          const batch = Array.from({ length: size }, () => open.splice(next() % open.length, 1)[0]);
          for (const entry of batch) entry?.settle();
        }
        for (const [task, { handle, shape: my }] of handles) {
          if (!outcomes.has(task)) continue;
          for (let j = 0; j < my.lateJoins; j++) joins.push({ task, when: 'after it had finished', result: track(handle.join()) });
        }
        await drain();
      });
      if (escaped.length > 0) {
        const thrown = [...outcomes].filter(([, outcome]) => !outcome.ok && escaped.some((error) => Object.is(error, outcome.error))).map(([task]) => task);
        return [
          `While the tasks ran, ${escaped.length} error(s) escaped your runtime as uncaught exceptions, and an uncaught exception ends a Node.js process: ${describeValue(escaped[0])}${thrown.length > 0 ? `, the error task ${thrown.join(' and ')} threw` : ''}.`,
          log.draw(),
          '-> A task\'s own throw comes out of the call that resumed it, generator.next(value) or generator.throw(error) alike: put every resume inside',
          'try/catch, and reject that task\'s join() with what it threw. The executor itself goes on with the next ready task.',
        ].join('\n');
      }
      if (problem !== undefined) return problem;
      const stuck = [...handles.keys()].filter((task) => !outcomes.has(task));
      if (stuck.length > 0) {
        return [
          `Task(s) ${stuck.join(', ')} never finished, although everything they waited for had settled:`,
          log.draw(),
          nothingRan(EXECUTOR_ON_A_TIMER, 'is every task woken each time what it awaits settles, and does join() settle when its task ends?'),
        ].join('\n');
      }
      for (const [task, { shape: my }] of handles) {
        const outcome = outcomes.get(task);
        const mine = joins.filter((join) => join.task === task);
        const badJoin = mine.find((join) => join.result.status === 'pending' || (outcome && !sameOutcome(join.result.status === 'fulfilled' ? { ok: true, value: join.result.value } : { ok: false, error: join.result.reason }, outcome)));
        if (!badJoin || !outcome) continue;
        const whenJoined = mine.filter((join) => join.when === badJoin.when).length;
        const lines = [
          `Task ${task} ${outcome.ok ? `returned ${describeValue(outcome.value)}` : `threw ${describeValue(outcome.error)}`}; ${mine.length} join() call(s) were made on its handle, and one made ${badJoin.when} ${badJoin.result.status === 'pending' ? 'never settled' : `was ${badJoin.result.status} with ${describeValue(badJoin.result.status === 'fulfilled' ? badJoin.result.value : badJoin.result.reason)}`}:`,
          ...mine.map((join, j) => `  join() #${j + 1}, ${join.when}: ${join.result.status === 'pending' ? 'still pending' : `${join.result.status} with ${describeValue(join.result.status === 'fulfilled' ? join.result.value : join.result.reason)}`}`),
        ];
        if (badJoin.result.status === 'pending') {
          lines.push(
            badJoin.when === 'after it had finished'
              ? '-> A join() after the task has finished must settle too, at once, with its outcome: keep the outcome in one promise made at spawn(), and have join() return it.'
              : whenJoined > 1 || mine.length > 1
                ? '-> Every join() must settle, however many there are: keep the outcome in one promise made at spawn(), and hand that same promise to every caller (a single waiting slot loses all but one).'
                : '-> join() must settle when the task ends: keep the outcome in one promise made at spawn(), and have join() return it.',
          );
        } else if (!outcome.ok && badJoin.result.status === 'fulfilled' && !outcome.error) {
          lines.push(`-> ${FALSY_REJECTION}`);
        } else {
          lines.push('-> join() settles with the task\'s own outcome: what it returned, or the very value it threw.');
        }
        void my;
        return lines.join('\n');
      }
      if (unhandled.length > 0) return explainUnhandled(unhandled, calls);
      return undefined;
    };
    const sharesAName = (tasks: Shape[]) => tasks.filter((my) => my.sharedName).length + tasks.filter((my) => my.sharedName && my.awaits.some((kind) => kind.startsWith('spawns'))).length >= 2;
    const seed = 6;
    const details = await collectEscapes((collected) => {
      escaped = collected;
      return fc.check(
        fc.asyncProperty(schedules, async (schedule) => {
          const problem = await run(schedule, false);
          if (problem !== undefined) throw new KataError(problem);
        }),
        { seed, numRuns: 200 },
      );
    });
    if (details.failed) {
      const schedule = details.counterexample?.[0];
      const describeTask = (my: Shape, i: number) => {
        const task = String.fromCharCode(97 + i);
        const joins = [my.joins > 0 ? `joined ${my.joins}x right away` : '', my.lateJoins > 0 ? `${my.lateJoins}x after it finished` : ''].filter(Boolean).join(', ');
        const ending = (of: Shape) => (of.ends === 'throws' ? `throws ${describeValue(REASONS[of.reason]?.make())}` : 'returns');
        const children = my.awaits
          .map((kind, k) => (kind.startsWith('spawns') ? `${task}${k + 1}${my.sharedName ? ` (named "${SHARED}")` : ''}: [${childShape(my, k + 1).awaits.join(', ')}], then ${ending(childShape(my, k + 1))}` : undefined))
          .filter((child) => child !== undefined);
        return `${task}${my.sharedName ? ` (named "${SHARED}")` : ''}: [${my.awaits.join(', ')}], then ${ending(my)}${joins ? `; ${joins}` : ''}${children.length > 0 ? ` (its children: ${children.join('; ')})` : ''}`;
      };
      const byName =
        schedule && sharesAName(schedule.tasks)
          ? await collectEscapes((collected) => {
              escaped = collected;
              return run(schedule, true);
            })
          : 'not tried';
      fail(
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
        ...(byName === undefined
          ? [
              `-> The same schedule with every task given a name of its own passes: your runtime mixes up tasks that share a name ("${SHARED}"). A name is only a label: keep each task's state in the task itself (what spawn() makes for it), never in a map keyed by name.`,
            ]
          : []),
        `Random schedules (fast-check, seed ${seed}: the same schedules on every run) found this after ${details.numRuns} run(s); the smallest form of it:`,
        ...(schedule ? schedule.tasks.map((my, i) => `  ${describeTask(my, i)}`) : []),
        '  (gate: a promise the test fulfils later; settled: an already fulfilled promise; fails: a promise the test rejects, caught by the task; spawns: the task spawns a child; spawns and joins: it spawns a child and awaits its join())',
      );
    }
  });

  it('each yield resumes its task exactly once, even when it yielded a thenable that calls back twice, calls both callbacks, calls back at once or throws', async () => {
    freezeAllTimers();
    const kinds = Object.keys(AWAITABLES) as Awaitable[];
    const schedules = fc.record({
      // Every task ends with one more await, so a wake-up too many always lands on a yield.
      tasks: fc.array(
        fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 3 }).map((awaits): Awaitable[] => [...awaits, 'settled']),
        { minLength: 1, maxLength: 3 },
      ),
      picks: fc.array(fc.nat({ max: 11 }), { minLength: 12, maxLength: 12 }),
    });
    const run = async ({ tasks, picks }: { tasks: Awaitable[][]; picks: number[] }, escaped: unknown[]) => {
      escaped.length = 0;
      const runtime = new Runtime();
      const points: YieldPoint[] = [];
      const open: YieldPoint[] = [];
      const calls: ThenCall[] = [];
      const histories = new Map<string, string[]>();
      let violation: string | undefined;
      const names = tasks.map((_, i) => String.fromCharCode(97 + i));
      const results = tasks.map((awaits, i) => {
        const name = names[i] ?? '?';
        const history: string[] = [];
        histories.set(name, history);
        const mine = awaits.map((kind, k) => yieldPoint(name, k + 1, kind, calls));
        points.push(...mine);
        return track(
          runtime.spawn(name, function* () {
            for (const point of mine) {
              history.push(`yields #${point.number} (${point.kind})`);
              if (point.settle) open.push(point);
              let got: Outcome;
              try {
                got = { ok: true, value: yield point.value };
              } catch (error) {
                got = { ok: false, error };
              }
              history.push(`resumed at #${point.number} with ${describeOutcome(got, point)}`);
              if (violation === undefined && (!point.settled || !sameOutcome(got, point.expected))) violation = explainResume(point, got, points, history);
            }
            return 'done';
          }).join(),
        );
      });
      const { unhandled } = await withUnhandled(async () => {
        await settleInRounds(open, picks, (point) => {
          try {
            point.settle?.();
          } catch (error) {
            escaped.push(error);
          }
        });
        await drain();
      });
      if (violation !== undefined) throw new KataError(violation);
      const first = escaped[0];
      if (first !== undefined) {
        const source = points.find((point) => point.thrown === first);
        throw new KataError(
          [
            `While the tasks ran, ${escaped.length} error(s) escaped your runtime as uncaught exceptions, and an uncaught exception ends a Node.js process: ${describeError(first)}.`,
            source
              ? `It was thrown by the then() of what task ${source.task} yielded at #${source.number} (${AWAITABLES[source.kind]}): your runtime called that then() itself, outside any try/catch, so the error left your executor.`
              : 'Look at what your executor does when it resumes a task and registers its waker: nothing that a task yields may throw out of it.',
            ...[...histories].map(([name, history]) => `  ${name}: ${history.join(', ')}`),
            `-> ${ONCE_PER_YIELD}`,
          ].join('\n'),
        );
      }
      const stuck = results.map((result, i) => (result.status === 'fulfilled' ? undefined : names[i])).filter((name) => name !== undefined);
      if (stuck.length > 0) {
        const throwsFirst = stuck.some((name) => histories.get(name)?.at(-1)?.endsWith('(then() throws)'));
        throw new KataError(
          [
            `Task(s) ${stuck.join(', ')} never finished, although everything they awaited had settled:`,
            ...stuck.map((name) => `  ${name}: ${histories.get(name)?.join(', ') ?? ''}`),
            throwsFirst
              ? '-> the then() of what it last yielded threw before calling anything: that rejects the await, as it does for `await`; resume the task with that error, thrown at its yield.'
              : nothingRan(EXECUTOR_ON_A_TIMER, 'is every task woken once each time what it yielded settles, whatever it yielded?'),
            `-> ${ONCE_PER_YIELD}`,
          ].join('\n'),
        );
      }
      if (unhandled.length > 0) throw new KataError(explainUnhandled(unhandled, calls));
    };
    const seed = 6;
    const details = await collectEscapes((escaped) => fc.check(fc.asyncProperty(schedules, (schedule) => run(schedule, escaped)), { seed, numRuns: 200 }));
    if (details.failed) {
      const schedule = details.counterexample?.[0];
      fail(
        details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
        `Random schedules (fast-check, seed ${seed}: the same schedules on every run) found this after ${details.numRuns} run(s); the smallest form of it:`,
        `  tasks and what each awaits in turn: ${schedule ? schedule.tasks.map((awaits, i) => `${String.fromCharCode(97 + i)}: [${awaits.join(', ')}]`).join('; ') : '?'}`,
        `  (${kinds.filter((kind) => schedule?.tasks.some((awaits) => awaits.includes(kind))).map((kind) => `${kind}: ${AWAITABLES[kind]}`).join('; ')})`,
      );
    }
  });

  it('a rejected await throws at the task\'s yield, where the task\'s own try/catch handles it', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const calls: ThenCall[] = [];
    const { result, unhandled } = await withUnhandled(async () => {
      const down = Promise.reject(new Error('avatar service is down'));
      watchThen(down, 'profile', calls);
      const handle = runtime.spawn('profile', function* () {
        try {
          yield down;
          return 'with avatar';
        } catch (error) {
          return `without avatar (${(error as Error).message})`;
        }
      });
      const joined = track(handle.join());
      await drain();
      return joined;
    });
    if (result.status === 'pending') {
      fail(
        'With every timer stopped, the task never finished: it yielded a promise that rejects, and was never resumed.',
        nothingRan(EXECUTOR_ON_A_TIMER, 'a rejection must wake the task too (the second callback of then()), to throw the error at its yield.'),
      );
    }
    if (result.status === 'rejected') {
      fail(
        `The task caught the failed await in its own try/catch, yet its join() rejected with ${describeError(result.reason)}.`,
        'A rejection belongs to the task: throw it into the generator at its yield (generator.throw(error)), where its',
        'try/catch can handle it, exactly as `await` throws inside an async function.',
      );
    }
    expect(result.value, 'the task handled the error and went on').toBe('without avatar (avatar service is down)');
    if (unhandled.length > 0) fail(explainUnhandled(unhandled, calls));
  });

  it('an error in one task reaches its joiner and no one else: the other tasks and the runtime carry on', async () => {
    useFakeClock();
    const runtime = new Runtime();
    const io = new SimulatedIo(100);
    const boom = new Error('resize failed');
    let failing: ReturnType<typeof track<unknown>> | undefined;
    let healthy: ReturnType<typeof track<string>> | undefined;
    let later: ReturnType<typeof track<string>> | undefined;
    const unhandled = await collectUnhandledRejections(async () => {
      failing = track(
        runtime
          .spawn('resize', function* () {
            yield io.call('resize', { latencyMs: 50 });
            throw boom;
          })
          .join(),
      );
      healthy = track(
        runtime
          .spawn('lookup', function* () {
            yield io.call('lookup');
            return 'ada';
          })
          .join(),
      );
      await advance(60);
      later = track(
        runtime
          .spawn('after', function* () {
            yield io.call('after', { latencyMs: 10 });
            return 'still running';
          })
          .join(),
      );
      await advance(60);
    });
    expect(failing?.reason, 'the failing task\'s join() rejects with its own error').toBe(boom);
    if (healthy?.status === 'rejected' || later?.status === 'rejected') {
      fail(
        `The task "resize" threw at 50 ms, and its error reached other tasks too (lookup: ${healthy?.status ?? '?'}, a task spawned after the failure: ${later?.status ?? '?'}).`,
        'An error belongs to the task that threw it: reject that task\'s join() only.',
      );
    }
    if (healthy?.status !== 'fulfilled' || later?.status !== 'fulfilled') {
      const sequential = ranOneAfterAnother(io.timeline.intervals);
      const stalled = io.finished.includes('lookup') || io.finished.includes('after');
      fail(
        `The task "resize" threw at 50 ms; the other tasks had not finished at 120 ms (lookup, sleeping 100 ms beside it: ${healthy?.status ?? '?'}; "after", spawned at 60 ms to sleep 10 ms: ${later?.status ?? '?'}).`,
        io.draw(),
        sequential
          ? '-> these ran one after the other: your executor runs one task at a time, so each waits for the one before it.'
          : stalled
            ? '-> their sleeps ended, but they were never resumed: after the error your executor stopped. Catch the error where you resume a task, reject that task\'s join(), and keep going.'
            : '-> look at what your executor does after a task throws: the others must go on as if nothing happened.',
      );
    }
    if (unhandled.length > 0) fail(`The failing task was joined, yet ${unhandled.length} rejection(s) went unhandled: ${unhandled.map(describeError).join('; ')}.`);
  });

  it('a task that fails with nobody joining it crashes nothing: no unhandled rejection', async () => {
    useFakeClock();
    const runtime = new Runtime();
    const unhandled = await collectUnhandledRejections(async () => {
      runtime.spawn('fire and forget', function* () {
        yield Promise.resolve();
        throw new Error('metrics endpoint is down');
      });
      await drain();
    });
    if (unhandled.length > 0) {
      fail(
        `A task failed and nobody joined it: its error escaped as an unhandled rejection (${unhandled.map(describeError).join('; ')}), and Node.js ends the process for that.`,
        'The error belongs in the task\'s handle, for whoever joins it (a tokio task that fails does not bring down the runtime either).',
        'Mark the join promise as handled when you create it (promise.catch(() => {})): join() still rejects for whoever calls it.',
      );
    }
  });

  it('dropping a task runs its finally blocks, rejects its join() with TaskCancelled, and it never resumes', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const log: string[] = [];
    let open = 0;
    const gate = manual<string>();
    // What the task's catch block caught, if it ever ran: a dropped task must not run it.
    const caught: unknown[] = [];
    const handle: JoinHandle<string> = runtime.spawn('download', function* () {
      open++;
      try {
        log.push('download waits');
        yield gate.promise;
        log.push('download resumed');
        return 'file';
      } catch (error) {
        // A task that handles a failed download by retrying: it must never see its own cancellation.
        caught.push(error);
        log.push('download caught an error and retries');
        yield Promise.resolve();
        log.push('download retried');
        return 'file (retried)';
      } finally {
        open--;
        log.push('download cleans up');
      }
    });
    const result = track(handle.join());
    await drain();
    expectStarted(log.includes('download waits') ? ['download'] : [], ['download']);
    handle.drop();
    // drop() is synchronous, and so is what it promises: the task's finally blocks have run when it returns.
    const cleanedWhenDropReturned = log.includes('download cleans up');
    await drain();
    if (!cleanedWhenDropReturned && log.includes('download cleans up')) {
      fail(
        'The task was dropped while it waited inside try { … } finally { … }: when drop() returned, its finally block had not run yet; it ran later, on a later microtask.',
        `  ${log.join(', ')}`,
        '-> drop() cancels the task now: code right after `handle.drop()` may count on the task\'s cleanup being done (a connection closed, a lock let go).',
        '   Call generator.return() inside drop() itself, as dropping a Rust future runs its destructors there and then.',
      );
    }
    gate.resolve('data');
    await drain();
    if (log.includes('download resumed')) {
      fail(
        'The task was dropped, then what it waited for settled, and your executor resumed it anyway:',
        `  ${log.join(', ')}`,
        'A dropped task is gone: its waker must leave it alone (and the ready queue skip it).',
      );
    }
    if (caught.length > 0) {
      const what = caught[0];
      fail(
        `The task was dropped while it waited inside try { … } catch { … } finally { … }, and its catch block ran: it caught ${describeError(what)}${log.includes('download retried') ? ' and went on with its retry' : ' and tried to go on'}:`,
        `  ${log.join(', ')}`,
        what instanceof TaskCancelled
          ? 'Your drop() throws the cancellation into the task (generator.throw): a task that handles its errors catches it and carries on, after it was dropped.'
          : 'Dropping resumed the task with an error: a task that handles its errors catches it and carries on, after it was dropped.',
        'Dropping must end the task where it stands: generator.return() resumes the generator at its yield as if it returned there, so only',
        'its finally blocks run, never a catch (dropping a Rust future runs its destructors, not its error handling).',
      );
    }
    if (!log.includes('download cleans up')) {
      fail(
        `The task was dropped while it waited inside try { … } finally { … }: its finally block never ran, and its connection is still open (${open} open).`,
        `  ${log.join(', ')}`,
        'Dropping must run the cleanup: generator.return() resumes the generator at its yield as if it returned there, so every',
        'finally block runs, exactly as dropping a Rust future runs its destructors. Forgetting the generator is not enough.',
      );
    }
    if (!(result.reason instanceof TaskCancelled)) {
      fail(
        `A dropped task's join() must reject with TaskCancelled; it is ${result.status === 'pending' ? 'still pending, so whoever joins it waits for ever' : `${result.status} (${describeError(result.status === 'fulfilled' ? result.value : result.reason)})`}.`,
      );
    }
  });

  it('a task that drops itself (its own drop(), while it runs) never resumes from its next yield, its join() rejects, and the other tasks go on', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const log: string[] = [];
    const caught: unknown[] = [];
    const gate = manual<string>();
    const upload: JoinHandle<string> = runtime.spawn('upload', function* () {
      try {
        log.push('upload waits');
        const answer = yield gate.promise;
        // The task gives up on itself: its own handle, dropped from its own code, while its generator runs.
        log.push(answer === 'give up' ? 'upload drops itself' : `upload's yield gave back ${describeValue(answer)}, so it does not drop itself`);
        if (answer === 'give up') upload.drop();
        log.push('upload goes on to its next yield');
        yield Promise.resolve();
        log.push('upload resumed after it dropped itself');
        return 'uploaded';
      } catch (error) {
        caught.push(error);
        log.push(`upload caught ${describeError(error)}`);
        return 'upload failed';
      } finally {
        log.push('upload cleans up');
      }
    });
    const other = runtime.spawn('other', function* () {
      yield gate.promise;
      yield Promise.resolve();
      return 'other done';
    });
    const result = track(upload.join());
    const otherResult = track(other.join());
    await drain();
    expectStarted(log.includes('upload waits') ? ['upload'] : [], ['upload']);
    gate.resolve('give up');
    await drain();
    const story = `  ${log.join(', ')}`;
    if (log.length > 1 && !log.includes('upload drops itself')) {
      fail(
        'The task waited for a promise the test fulfilled with "give up", to drop itself when it got that answer; its yield gave back something else, so it never dropped itself:',
        story,
        '-> resume a task with the value its promise fulfilled with: generator.next(value) hands it to the yield.',
      );
    }
    if (log.includes('upload resumed after it dropped itself')) {
      fail(
        'A task dropped itself (it called its own handle.drop() while it ran), then yielded, and your executor resumed it anyway:',
        story,
        '-> a running generator cannot be closed: generator.return() on it throws (TypeError: Generator is already running). drop() must mark',
        '   the task as finished first, before anything that can throw, so that the waker and the ready queue leave it alone from its next yield on.',
      );
    }
    if (result.status !== 'rejected') {
      const thrown = caught[0];
      fail(
        `A task dropped itself (it called its own handle.drop() while it ran): its join() ${result.status === 'pending' ? 'is still pending, so whoever joins it waits for ever' : `fulfilled with ${describeValue(result.value)}`}.`,
        story,
        caught.length > 0
          ? `-> drop() threw ${describeError(thrown)} into the task's own code, where its catch block caught it, so the rest of drop() (rejecting join()) never ran. generator.return() on a running generator throws: catch that inside drop(), and reject join() all the same.`
          : '-> a dropped task\'s join() rejects (TaskCancelled), however drop() was called: also from the task\'s own code, where its generator is running.',
      );
    }
    if (otherResult.value !== 'other done') {
      fail(
        `A task dropped itself; another task, woken by the same promise, ${otherResult.status === 'pending' ? 'never finished' : `${otherResult.status} with ${describeError(otherResult.status === 'fulfilled' ? otherResult.value : otherResult.reason)}`}.`,
        story,
        '-> dropping a task leaves every other task alone, also when the task drops itself while the executor runs it.',
      );
    }
  });

  it('a task dropped while it waits in the ready queue never runs again; dropping a finished task changes nothing', async () => {
    freezeAllTimers();
    const runtime = new Runtime();
    const log = new ReadyLog();
    const gate = log.gate('both');
    const seen: string[] = [];
    const first = runtime.spawn('first', function* () {
      seen.push('first parked');
      yield gate.promise;
      seen.push('first resumed');
      // `second` was woken by the same promise and waits in the ready queue, behind this task.
      second.drop();
      return 'first done';
    });
    const second: JoinHandle<string> = runtime.spawn('second', function* () {
      try {
        seen.push('second parked');
        yield gate.promise;
        seen.push('second resumed');
        return 'second done';
      } finally {
        seen.push('second cleans up');
      }
    });
    const results = [track(first.join()), track(second.join())];
    await drain();
    expectStarted(['first', 'second'].filter((name) => seen.includes(`${name} parked`)), ['first', 'second']);
    gate.resolve('go');
    await drain();
    if (!seen.includes('first resumed')) {
      fail(
        'The promise both tasks waited for settled, but the first one was never resumed.',
        nothingRan(EXECUTOR_ON_A_TIMER, 'wake a task when the promise it yielded settles (promise.then(...)).'),
      );
    }
    if (seen.includes('second resumed')) {
      fail(
        'A task was dropped while it sat in the ready queue (woken, not yet resumed), and your executor resumed it anyway:',
        `  ${seen.join(', ')}`,
        'Mark a dropped task, and skip it when it comes out of the ready queue.',
      );
    }
    if (!seen.includes('second cleans up')) {
      fail(
        'A task was dropped while it sat in the ready queue (woken, not yet resumed): its finally block never ran.',
        `  ${seen.join(', ')}`,
        'It was parked inside try { … } finally { … }: dropping it must run that cleanup (generator.return()).',
      );
    }
    expect(results[1]?.reason, 'its join() rejects with TaskCancelled').toBeInstanceOf(TaskCancelled);
    first.drop();
    await drain();
    expect(results[0]?.value, 'dropping a task that has finished leaves its result alone').toBe('first done');
    const joinedLater = track(first.join());
    await drain();
    if (joinedLater.value !== 'first done') {
      fail(
        `A task returned "first done", then was dropped: a join() made after that drop ${joinedLater.status === 'pending' ? 'never settled' : `${joinedLater.status === 'fulfilled' ? 'fulfilled with' : 'rejected with'} ${describeError(joinedLater.status === 'fulfilled' ? joinedLater.value : joinedLater.reason)}`}.`,
        '-> dropping a task that has finished leaves its result alone: drop() does nothing once the task has returned or thrown (check that first).',
      );
    }
  });

  it('dropping a task leaves every other task alone, even one with the same name, and runtimes side by side each run their own', async () => {
    freezeAllTimers();
    const play = async (names: [string, string]) => {
      const runtime = new Runtime();
      const seen: string[] = [];
      // Both ready at once, in the ready queue: the second is dropped before the executor's turn.
      const kept = runtime.spawn(names[0], function* () {
        seen.push('kept ran');
        yield Promise.resolve();
        return 'kept done';
      });
      const dropped = runtime.spawn(names[1], function* () {
        seen.push('dropped ran');
        yield Promise.resolve();
        return 'dropped done';
      });
      const results = [track(kept.join()), track(dropped.join())];
      dropped.drop();
      await drain();
      return { seen, kept: results[0], dropped: results[1] };
    };
    const same = await play(['job', 'job']);
    if (same.kept?.value !== 'kept done' || same.seen.includes('dropped ran')) {
      const unique = await play(['job 1', 'job 2']);
      const byName = unique.kept?.value === 'kept done' && !unique.seen.includes('dropped ran');
      fail(
        `Two tasks named "job" were ready; the second was dropped before it ran. Then: ${same.seen.join(', ') || 'neither ran'}; the first one's join() ${same.kept?.status === 'pending' ? 'never settled' : `${same.kept?.status ?? '?'}`}.`,
        byName
          ? '-> With names of their own ("job 1", "job 2") it works: your runtime finds the task to drop by its name. A name is only a label: mark the task itself (what spawn() made for it) as dropped, and let the ready queue skip it.'
          : '-> Dropping one task must leave the others alone: mark the dropped task itself, and let the ready queue skip it when it comes out.',
      );
    }
    // Two runtimes, each with a task woken in the same turn: each must run its own.
    const first = new Runtime();
    const second = new Runtime();
    const ran: string[] = [];
    const a = track(first.spawn('a', function* () {
      ran.push('a');
      yield Promise.resolve();
      return 'a';
    }).join());
    const b = track(second.spawn('b', function* () {
      ran.push('b');
      yield Promise.resolve();
      return 'b';
    }).join());
    await drain();
    if (a.value !== 'a' || b.value !== 'b') {
      fail(
        `Two runtimes each spawned a task in the same turn; ${ran.length === 0 ? 'neither task ran' : `only ${ran.join(' and ')} ran`}, and ${[a.value === 'a' ? '' : 'the first runtime\'s', b.value === 'b' ? '' : 'the second runtime\'s'].filter(Boolean).join(' and ')} task never finished.`,
        '-> Each Runtime is an executor of its own: its ready queue and whatever says "a turn is already scheduled" belong to the instance (fields), not to the module.',
      );
    }
  });
});

// ---------------------------------------------------------------- step 3

/** CPU work for exactly `msToSpin` of wall time: a chunk of a long computation. */
function spin(msToSpin: number): void {
  const end = performance.now() + msToSpin;
  while (performance.now() < end) {
    // busy: this is the computation that must share the thread
  }
}

/** How yieldToEventLoop settles: from the microtask queue, from process.nextTick's queue, or later. */
async function howItSettles(): Promise<'microtask' | 'nextTick' | 'later'> {
  let settled = false;
  void yieldToEventLoop().then(() => (settled = true));
  await flushMicrotasks();
  if (settled) return 'microtask';
  await new Promise<void>((resolve) => process.nextTick(resolve));
  await flushMicrotasks();
  return settled ? 'nextTick' : 'later';
}

/**
 * How often a 1 ms timer ticks across `rounds` rounds of 2 ms of work and one `await yieldToEventLoop()`:
 * after 2 ms the timer is always due, so a yield that lets the event loop turn sees a tick every round.
 */
async function ticksAcrossYields(rounds = 10): Promise<number> {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 1);
  try {
    for (let round = 0; round < rounds; round++) {
      spin(2);
      await yieldToEventLoop();
    }
    return ticks;
  } finally {
    clearInterval(ticker);
  }
}

/** Why the event loop got no turn, judged on yieldToEventLoop() itself. */
async function whyNoTurn(): Promise<string> {
  const how = await howItSettles();
  if (how === 'microtask') {
    return 'Your yield resolves from the microtask queue (`await Promise.resolve()`, queueMicrotask, or a promise that had already resolved, made once and handed out again): the event loop runs every microtask, including the ones queued meanwhile, before it moves on to timers or I/O, so it never got a turn.';
  }
  if (how === 'nextTick') {
    return 'Your yield resolves from process.nextTick\'s queue, which runs to the end, even before the microtasks, before the event loop moves on to timers or I/O, so it never got a turn.';
  }
  if ((await ticksAcrossYields()) >= 5) {
    return 'Your yieldToEventLoop() does let due timers run, but runInChunks did not give it the chance between these chunks: await it between every two chunks, one yield after the other (yields started together, one per chunk with Promise.all, all end in the same turn of the loop).';
  }
  return 'Your yield resolves from something the event loop delivers before its timers get a turn again (a MessageChannel, for one: Node delivers up to a thousand waiting messages in one go).';
}

async function loopbackServer(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => {
    socket.on('data', () => socket.end('pong'));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the loopback server has no port');
  return { server, port: address.port };
}

describe('step 3: yielding to the event loop', () => {
  it('yieldToEventLoop() lets due timers run: a 1 ms timer ticks between 2 ms pieces of work', async () => {
    const rounds = 10;
    const ticks = await ticksAcrossYields(rounds);
    if (ticks < rounds / 2) {
      fail(
        `${rounds} times over: 2 ms of work, then \`await yieldToEventLoop()\`. A 1 ms timer was due before every yield, and it ticked ${ticks} time(s), not about ${rounds}.`,
        await whyNoTurn(),
        'setImmediate(resolve) resolves in the event loop\'s check phase, which comes after due timers and waiting I/O.',
      );
    }
  });

  it('runInChunks() covers [0, total) in order, chunk by chunk, and rejects sizes it cannot use', async () => {
    const ranges: [number, number][] = [];
    const record = (start: number, end: number) => {
      ranges.push([start, end]);
      // No call here needs more than 10; a run past 100 would never end (runInChunks(Infinity, 4, work)).
      if (ranges.length > 100) throw new Error(`work was called ${ranges.length} times, the last as work(${start}, ${end}): a loop that never ends?`);
    };
    const calls = () => ranges.map(([start, end]) => `work(${start}, ${end})`).join(', ') || 'no call of work';
    await runInChunks(10, 4, record);
    if (calls() !== 'work(0, 4), work(4, 8), work(8, 10)') {
      fail(
        `runInChunks(10, 4, work) made ${calls()}; it should make work(0, 4), work(4, 8), work(8, 10).`,
        '-> consecutive ranges of at most chunkSize, in order, covering [0, total) and nothing past it: the last one ends at total (Math.min(total, start + chunkSize)).',
      );
    }
    ranges.length = 0;
    await runInChunks(0, 4, record);
    if (ranges.length > 0) fail(`runInChunks(0, 4, work) has nothing to do, yet it made ${calls()}.`);
    for (const [total, chunkSize] of [
      [10, 0],
      [10, -1],
      [10, 2.5],
      [10.5, 4],
      [-1, 4],
      // Not whole numbers either, though `x < 0`, `x % 1 > 0` and `Math.floor(x) !== x` let one or the other through.
      [Number.NaN, 4],
      [10, Number.NaN],
      [Number.POSITIVE_INFINITY, 4],
    ] as const) {
      ranges.length = 0;
      // Rejecting is the contract; throwing at once is accepted too (the same mistake is not being made).
      const outcome = await Promise.resolve()
        .then(() => runInChunks(total, chunkSize, record))
        .then(
          () => 'resolved',
          (error: unknown) => error,
        );
      if (!(outcome instanceof RangeError)) {
        fail(
          `runInChunks(${total}, ${chunkSize}, work) must reject with a RangeError; it ${outcome === 'resolved' ? `resolved after ${ranges.length} call(s) of work` : `failed with ${describeError(outcome)}`}.`,
          'Check both sizes before the first chunk: whole numbers (Number.isInteger, which is false for NaN and Infinity), total >= 0, chunkSize >= 1.',
        );
      }
    }
  });

  it('runInChunks() gives the event loop a turn between every two chunks', async () => {
    // A setImmediate chain counts the loop's turns: it moves once per turn, whatever the yield waits for.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const turnOfChunk: number[] = [];
    try {
      await runInChunks(12, 1, () => turnOfChunk.push(turns));
    } finally {
      ticking = false;
    }
    const together = turnOfChunk.flatMap((turn, i) => (i > 0 && turn === turnOfChunk[i - 1] ? [i] : []));
    if (together.length > 0) {
      const allInOne = together.length === turnOfChunk.length - 1;
      fail(
        `runInChunks(12, 1, work) ran ${together.length} of its 11 pairs of neighbouring chunks with no turn of the event loop between them (chunks ${together.map((i) => `${i} and ${i + 1}`).join(', ')}).`,
        `  the loop turn each chunk ran in: ${turnOfChunk.join(', ')}`,
        allInOne
          ? `-> all 12 chunks ran in one turn of the loop. ${await whyNoTurn()}`
          : '-> yield between every two chunks (await yieldToEventLoop()), not every few: each chunk is a slice of the loop\'s time, and what waits (a timer, a request) gets its turn after each one.',
      );
    }
  });

  it('a chunk that throws rejects runInChunks() with its error, whichever chunk it is, and no chunk runs after it', async () => {
    for (const failingStart of [0, 4, 8]) {
      const boom = new Error(`chunk ${failingStart} failed`);
      const ranges: [number, number][] = [];
      const outcome = await collectEscapes(async (escaped) => {
        const result = track(
          Promise.resolve().then(() =>
            runInChunks(12, 4, (start, end) => {
              ranges.push([start, end]);
              if (start === failingStart) throw boom;
            }),
          ),
        );
        // A few real turns of the event loop: every chunk of a right runInChunks is done by then.
        for (let turn = 0; turn < 20 && !result.settled; turn++) await new Promise((resolve) => setTimeout(resolve, 1));
        return { result, escaped: [...escaped] };
      });
      const { result, escaped } = outcome;
      const calls = ranges.map(([start, end]) => `work(${start}, ${end})`).join(', ');
      if (result.status !== 'rejected' || result.reason !== boom) {
        fail(
          `runInChunks(12, 4, work), where work throws at the chunk that starts at ${failingStart}: it called ${calls} and ${result.status === 'pending' ? 'never settled' : result.status === 'fulfilled' ? 'resolved' : `rejected with ${describeError(result.reason)}, not with that error`}.`,
          escaped.includes(boom)
            ? 'The error escaped as an uncaught exception instead (it was thrown from a callback the event loop called, outside your promise), and an uncaught exception ends a Node.js process.'
            : 'The error was lost: nothing reported it.',
          'The caller must hear of a failed chunk: runInChunks rejects with the error the chunk threw. An async function with a loop and',
          '`await yieldToEventLoop()` between chunks does that by itself; a chain of setImmediate callbacks needs a try/catch in each that calls reject.',
        );
      }
      if (ranges.length !== failingStart / 4 + 1) {
        fail(`runInChunks(12, 4, work) rejected when the chunk that starts at ${failingStart} threw, but it went on with more chunks: ${calls}. A failed chunk ends the run.`);
      }
    }
  });

  it('while the chunks run, timers fire and a waiting request is answered between them', async () => {
    const chunks = 30;
    const chunkMs = 2;
    const { server, port } = await loopbackServer();
    let chunk = -1;
    const chunkAtTick: number[] = [];
    const ticker = setInterval(() => chunkAtTick.push(chunk), 1);
    let answeredAtChunk: number | undefined;
    const client = net.connect(port, '127.0.0.1', () => client.write('ping'));
    client.on('data', () => {
      answeredAtChunk = chunk;
      client.end();
    });
    client.on('error', () => client.destroy());
    const started = performance.now();
    let elapsed: number;
    try {
      await runInChunks(chunks, 1, (start) => {
        chunk = start;
        spin(chunkMs);
      });
      elapsed = performance.now() - started;
      chunk = chunks;
      // Let a late answer arrive, so the message can say when it did.
      for (let i = 0; i < 20 && answeredAtChunk === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      clearInterval(ticker);
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const ticksBetween = chunkAtTick.filter((at) => at >= 0 && at < chunks - 1).length;
    // The longest run of consecutive chunks with no tick between any two of them.
    let longest = 0;
    for (let run = 0, c = 0; c < chunks - 1; c++) {
      run = chunkAtTick.includes(c) ? 0 : run + 1;
      longest = Math.max(longest, run);
    }
    const due = Math.floor(elapsed);
    const answered =
      answeredAtChunk === undefined ? 'never answered' : answeredAtChunk >= chunks ? 'answered only after the last chunk' : `answered during chunk ${answeredAtChunk + 1}`;
    if (longest > (chunks - 1) / 2 || answeredAtChunk === undefined || answeredAtChunk >= chunks - 1) {
      fail(
        `While your ${chunks} chunks ran (${ms(elapsed)} in all, each computing for ${chunkMs} ms), a 1 ms timer was due about ${due} times and ran ${ticksBetween} times between them; ${due - ticksBetween > 0 ? `${due - ticksBetween} ticks never ran` : 'it did run'}.`,
        `The longest stretch of chunks with no timer between them: ${longest + 1} chunks. A request sent before the first chunk was ${answered}.`,
        await whyNoTurn(),
        'Yield with setImmediate: between two chunks the loop then runs due timers and reads waiting sockets.',
      );
    }
  });
});
