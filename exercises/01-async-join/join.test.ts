// Exercise 01 tests. Each `describe` is one graded step; fake timers make the timing exact.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SimulatedIo,
  adviceFor,
  advance,
  collectUnhandledRejections,
  describeError,
  expectJoined,
  expectOrder,
  expectOwnError,
  explore,
  fail,
  fc,
  ms,
  ranOneAfterAnother,
  runUntilIdle,
  track,
  useFakeClock as useHarnessClock,
  watchHandles,
  type HandleWatch,
  type OpenHandle,
  type Tracked,
} from '../../checker/harness/index.ts';
import { DeadlineError, loadAll, loadBoth, loadEvery, withDeadline, type Task } from './join.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** The fake clock; setImmediate takes no fake time, so whatever the code queues with it runs before the clock moves on. */
const useFakeClock = () => useHarnessClock({ drainImmediates: true });

/** One task of an adversarial case: how long it takes, and whether it fails at the end. */
interface TaskCase {
  latencyMs: number;
  fails: boolean;
}
const taskCase = fc.record({ latencyMs: fc.integer({ min: 1, max: 100 }), fails: fc.boolean() });
const okTask = taskCase.map((t) => ({ ...t, fails: false }));
const describeTasks = (tasks: readonly TaskCase[]) =>
  tasks.length === 0 ? 'no tasks' : tasks.map((t, i) => `task ${i}: ${t.latencyMs} ms${t.fails ? ', fails' : ''}`).join('; ');
const errorOf = (i: number) => new Error(`task ${i} failed`);
const tasksOf = (io: SimulatedIo, tasks: readonly TaskCase[]): Task<string>[] =>
  tasks.map((t, i) => io.task(`task ${i}`, { latencyMs: t.latencyMs, value: `result ${i}`, ...(t.fails ? { error: errorOf(i) } : {}) }));
const realClock = () => vi.useRealTimers();

/**
 * The rule of a fail-fast join, for any mix of latencies and failures: with no failure it resolves
 * when the slowest task is done, with every result in input order; otherwise it rejects when the
 * first failure happens, with that failure's own error. Every task starts at once, exactly once.
 */
function judgeFailFast(what: string, io: SimulatedIo, tasks: readonly TaskCase[], result: Tracked<unknown>, results: (values: unknown) => unknown, atSettle?: readonly unknown[]): void {
  const drawing = io.draw();
  const late = io.timeline.intervals.filter((i) => i.start > 0);
  if (io.started.length !== tasks.length || late.length > 0) {
    fail(
      `${what} started ${io.timeline.intervals.filter((i) => i.start === 0).length} of ${tasks.length} tasks at 0 ms${late.length > 0 ? `; ${late.map((i) => `"${i.label}" only at ${ms(i.start)}`).join(', ')}` : ''}.`,
      drawing,
      '-> every task must be started at once, and once: start them all, then wait for them together.',
    );
  }
  const failures = tasks.map((t, i) => ({ ...t, i })).filter((t) => t.fails);
  if (failures.length === 0) {
    const slowest = Math.max(0, ...tasks.map((t) => t.latencyMs));
    if (result.status !== 'fulfilled') fail(`${what} ${result.status === 'rejected' ? `rejected with ${describeError(result.reason)}` : 'never settled'}, though no task failed.`, drawing);
    if (result.settledAtMs !== slowest) {
      fail(
        `${what} resolved at ${ms(result.settledAtMs ?? 0)}; the slowest task was done at ${ms(slowest)}, and that is when every result is in.`,
        drawing,
        ...earlyJoinAdvice(tasks.map((t) => t.latencyMs), result.settledAtMs, atSettle),
      );
    }
    expectOrder(results(result.value) as unknown[], tasks.map((_, i) => `result ${i}`), `${what}'s results`);
    return;
  }
  const firstAt = Math.min(...failures.map((t) => t.latencyMs));
  const first = failures.filter((t) => t.latencyMs === firstAt);
  if (result.status === 'fulfilled') {
    fail(`${what} resolved although ${first.map((t) => `task ${t.i}`).join(' and ')} failed at ${ms(firstAt)}: the error was swallowed.`, drawing, 'A failure must reach the caller.');
  }
  if (result.settledAtMs !== firstAt) {
    // What it waited for: the tasks that ended at the moment it finally rejected.
    const endedThen = result.settled ? tasks.map((t, i) => ({ ...t, i })).filter((t) => t.latencyMs === result.settledAtMs && !first.some((f) => f.i === t.i)) : [];
    const waited = endedThen.length > 0 ? `, the moment ${endedThen.map((t) => `task ${t.i}`).join(' and ')} ${endedThen.length === 1 ? 'was' : 'were'} done too: it waited for ${endedThen.length === 1 ? 'it' : 'them'} after the failure` : '';
    fail(
      `The first failure happened at ${ms(firstAt)} (task ${first[0]?.i}), but ${what} ${result.settled ? `rejected only at ${ms(result.settledAtMs ?? 0)}${waited}` : 'never rejected'}.`,
      drawing,
      '-> fail fast: reject the moment any task fails, without waiting for the other tasks. Promise.all does that; Promise.allSettled',
      '   (or awaiting the tasks one after another) waits for the others first.',
    );
  }
  if (!first.some((t) => (result.reason as Error | undefined)?.message === errorOf(t.i).message)) {
    fail(`${what} rejected with ${describeError(result.reason)}; it should reject with the error of the task that failed first (task ${first[0]?.i}).`, drawing);
  }
}

/** Runs a join over one adversarial case on the fake clock; returns what it did. */
async function runJoin<T>(start: (io: SimulatedIo) => Promise<T>) {
  useFakeClock();
  const io = new SimulatedIo(100);
  let result: Tracked<T> | undefined;
  // The results as they were the moment the join resolved (a copy: holes stay holes), before later tasks fill them in.
  let atSettle: unknown[] | undefined;
  const unhandled = await collectUnhandledRejections(async () => {
    result = track(start(io));
    await runUntilIdle(10_000, () => {
      if (result?.status === 'fulfilled' && atSettle === undefined && Array.isArray(result.value)) atSettle = (result.value as unknown[]).slice();
    });
  });
  stopAtTodo(result!);
  return { io, result: result!, unhandled, atSettle };
}

/** A step that still throws `TODO` is reported as itself, not as a wrong answer. */
function stopAtTodo(result: Tracked<unknown>): void {
  const reason: unknown = result.reason;
  if (result.status === 'rejected' && reason instanceof Error && reason.message.startsWith('TODO')) throw reason;
}

function expectNoUnhandled(unhandled: readonly unknown[], what: string, io: SimulatedIo): void {
  if (unhandled.length === 0) return;
  fail(
    `${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.map(describeError).join('; ')}.`,
    io.draw(),
    `${what} must listen to every promise it starts, so a failure that comes while it waits for another is handled.`,
  );
}

/** A failed outcome wrapped again as a success: `{ ok: true, value: { ok: false, error } }`, what `.catch(...).then(...)` gives. */
function rewrappedFailure(outcome: unknown): boolean {
  if (!outcome || typeof outcome !== 'object' || (outcome as { ok?: unknown }).ok !== true) return false;
  const inner: unknown = (outcome as { value?: unknown }).value;
  return !!inner && typeof inner === 'object' && (inner as { ok?: unknown }).ok === false && 'error' in inner;
}
const REWRAPPED_ADVICE = [
  '-> the failed outcome was wrapped again, as a success: { ok: true, value: { ok: false, error } }. A `.then(...)` chained after a `.catch(...)`',
  '   runs after the catch too, and gets what the catch returned. Put the `.then` first and the `.catch` after it, or give `then()` both',
  '   callbacks: `.then((value) => ({ ok: true, value }), (error) => ({ ok: false, error }))`.',
];
/** An outcome as a learner would print it: an Error shown as itself, not as JSON's {}. */
function showOutcome(outcome: unknown): string {
  if (!outcome || typeof outcome !== 'object') return outcome === undefined ? 'missing' : JSON.stringify(outcome);
  const one = (v: unknown): string => (v instanceof Error ? describeError(v) : v && typeof v === 'object' ? showOutcome(v) : v === undefined ? 'undefined' : JSON.stringify(v));
  return `{ ${Object.entries(outcome).map(([k, v]) => `${k}: ${one(v)}`).join(', ')} }`;
}

/** Values a task may resolve with that code testing for "a value" mistakes for "no value yet". */
const FALSY_VALUES: readonly { code: string; value: unknown }[] = [
  { code: 'undefined', value: undefined },
  { code: '0', value: 0 },
  { code: "''", value: '' },
  { code: 'null', value: null },
  { code: 'false', value: false },
];
const FALSY_VALUE_ADVICE =
  '-> a task may resolve with anything, undefined included (a Task<void> always does): tell when a task is done by its promise settling (count the tasks that finished), never by whether its slot holds a value.';
/** A task that resolves with `value` after `latencyMs` on the (fake) clock. */
const resolvesAfter = <T,>(latencyMs: number, value: T): Task<T> => () => new Promise<T>((resolve) => setTimeout(() => resolve(value), latencyMs));
/** An array as a learner would print it, holes and undefined shown. */
function showValues(values: unknown): string {
  if (!Array.isArray(values)) return String(values);
  const one = (v: unknown) => (v === undefined ? 'undefined' : v && typeof v === 'object' ? `{ ${Object.entries(v).map(([k, x]) => `${k}: ${x === undefined ? 'undefined' : JSON.stringify(x)}`).join(', ')} }` : JSON.stringify(v));
  return `[${Array.from({ length: values.length }, (_, i) => (i in values ? one(values[i]) : '<empty slot>')).join(', ')}]`;
}

/** The tasks, wrapped to note when each was called, on the (fake) clock, counted from now. */
function timedTasks<T>(tasks: readonly Task<T>[]): { tasks: Task<T>[]; startedAt: (number | undefined)[] } {
  const t0 = performance.now();
  const startedAt: (number | undefined)[] = tasks.map(() => undefined);
  return {
    tasks: tasks.map((task, i) => () => {
      startedAt[i] ??= performance.now() - t0;
      return task();
    }),
    startedAt,
  };
}

/**
 * Every task of a join starts at 0 ms. Judged before anything about when the join settled: a task that
 * starts late also ends late, and "pending when the last task was done" would not be true of it.
 */
function expectStartedAtOnce(what: 'loadBoth' | 'loadAll' | 'loadEvery', startedAt: readonly (number | undefined)[], byMs: number, ...drawing: string[]): void {
  const late = startedAt.map((atMs, i) => ({ atMs, i })).filter(({ atMs }) => atMs === undefined || atMs > 0);
  if (late.length === 0) return;
  const name = (i: number) => (what === 'loadBoth' ? (i === 0 ? 'the user' : 'the image') : `task ${i}`);
  fail(
    `${what} started ${startedAt.length - late.length} of the ${startedAt.length} tasks at 0 ms; ${late.map(({ i, atMs }) => (atMs === undefined ? `${name(i)} not even by ${ms(byMs)}` : `${name(i)} only at ${ms(atMs)}`)).join(', ')}.`,
    ...drawing,
    `-> every task must be started at once: call them all first, then wait for them together (\`${what === 'loadBoth' ? 'Promise.all([user(), image()])' : `${what === 'loadAll' ? 'Promise.all' : 'Promise.allSettled'}(tasks.map((task) => task()))`}\`).`,
    startedAt.length - late.length === 1
      ? what === 'loadBoth'
        ? '   `await user()` before `image()` is called starts the image only when the user is done.'
        : '   An `await` inside a loop starts the next task only when the one before it is done.'
      : '   Anything that holds tasks back until others are done (a cap on how many run at once, groups awaited one by one) starts them late.',
  );
}
/** When each labelled task started, from a SimulatedIo's timeline (undefined: never). */
const startsOf = (io: SimulatedIo, labels: readonly string[]) => labels.map((label) => io.timeline.intervals.find((i) => i.label === label)?.start);

/**
 * A join's results as they were the moment it resolved: a copy taken in the very next microtask, before
 * any later task could fill a slot (a hole stays a hole). Undefined until it resolves with an array.
 */
function trackJoin<T>(promise: Promise<T>): { result: Tracked<T>; atSettle: () => unknown[] | undefined } {
  const result = track(promise);
  let copy: unknown[] | undefined;
  promise.then(
    (value) => {
      if (Array.isArray(value)) copy = (value as unknown[]).slice();
    },
    () => undefined,
  );
  return { result, atSettle: () => copy };
}

/**
 * Why a join that resolved before its slowest task was done is wrong, from what its results held then:
 * the empty slots, and how many tasks had finished. The array-length advice is given only when the join
 * resolved the moment the task of the last slot finished, with that slot set (what a length check does);
 * otherwise it resolved on some other count of finished tasks.
 */
function resolvedOnLength(latencies: readonly number[], settledAtMs: number | undefined, atSettle: readonly unknown[] | undefined): boolean {
  const n = latencies.length;
  return !!atSettle && atSettle.length === n && n - 1 in atSettle && latencies[n - 1] === settledAtMs;
}
/** `lengthRuledOut`: another run of the same code resolved early on something other than its last slot. */
function earlyJoinAdvice(latencies: readonly number[], settledAtMs: number | undefined, atSettle: readonly unknown[] | undefined, lengthRuledOut = false, who = 'it'): string[] {
  if (!atSettle || settledAtMs === undefined) return [];
  const n = latencies.length;
  const empty = latencies.map((_, i) => i).filter((i) => !(i in atSettle));
  if (empty.length === 0) return [];
  const done = latencies.filter((latencyMs) => latencyMs <= settledAtMs).length;
  const lines = [
    `When ${who} resolved, its results were ${showValues(atSettle)}: ${empty.length === 1 ? `slot ${empty[0]} was` : `slots ${empty.join(', ')} were`} still empty, holes in the array; ${done} of the ${n} tasks had finished.`,
  ];
  if (!lengthRuledOut && resolvedOnLength(latencies, settledAtMs, atSettle)) {
    lines.push(
      `-> an array's length counts up to the highest slot set, not the slots filled: \`results[${n - 1}] = value\` makes an empty array ${n} long.`,
      '   A check like "results.length === tasks.length" is true once the last slot is set, whatever the others do: count the tasks that finished instead.',
    );
  } else {
    lines.push(
      `-> a join is done when every task has finished: count the tasks that finished and resolve when that count reaches tasks.length (${n} here), not one before.`,
    );
  }
  return lines;
}

/**
 * A join over no tasks is done at once: [] at 0 ms. Judged on the fake clock, so a join that waits for a
 * "last task" that never comes fails here in an instant, in words, instead of running into the test's timeout.
 */
async function expectEmptyJoin(what: string, start: () => Promise<unknown[]>): Promise<void> {
  useFakeClock();
  const result = track(start());
  await runUntilIdle(1_000);
  stopAtTodo(result);
  vi.useRealTimers();
  if (result.status === 'fulfilled' && result.settledAtMs === 0 && Array.isArray(result.value) && result.value.length === 0) return;
  fail(
    `${what}([]) ${result.status === 'pending' ? 'never settled' : `${result.status} ${result.status === 'fulfilled' ? `with ${showValues(result.value)}` : `with ${describeError(result.reason)}`}`}; with no tasks there is nothing to wait for: it must resolve with [] at once.`,
    ...(result.status === 'pending'
      ? [
          '-> with no tasks no task ever finishes, so code that resolves when the last task finishes (a counter reaching the number of tasks,',
          `   checked in each task's callback) never resolves. Resolve with [] up front when the list is empty (Promise.${what === 'loadAll' ? 'all' : 'allSettled'}([]) does).`,
        ]
      : []),
  );
}


/**
 * Two joins at once, on one fake clock: A over [30 ms, 10 ms], B (started right after) over [20, 40, 5 ms].
 * Each must resolve when its own slowest task is done, with its own results. A join that goes wrong is
 * rerun alone (the baseline, measured now): right alone and wrong together means the calls share
 * something each should own, most often the results or the counter, kept outside the function.
 */
async function expectJoinsApart(what: 'loadAll' | 'loadEvery', join: (tasks: Task<string>[]) => Promise<unknown[]>, valueOf: (item: unknown) => unknown): Promise<void> {
  const specs = { A: [30, 10], B: [20, 40, 5] } as const;
  const run = async (names: readonly ('A' | 'B')[]) => {
    useFakeClock();
    const results = names.map((name) => ({ name, ...trackJoin(join(specs[name].map((latencyMs, i) => resolvesAfter(latencyMs, `${name}${i}`)))) }));
    await runUntilIdle(1_000);
    results.forEach(({ result }) => stopAtTodo(result));
    vi.useRealTimers();
    return results;
  };
  const wrongWith = (name: 'A' | 'B', result: Tracked<unknown[]>, atSettle: () => unknown[] | undefined): string | undefined => {
    const expected = specs[name].map((_, i) => `${name}${i}`);
    const readyAt = Math.max(...specs[name]);
    // What it resolved with, as it was then (holes kept: `map` skips them, so they stay holes).
    const then = atSettle() ?? result.value;
    const got = result.status === 'fulfilled' && Array.isArray(then) ? then.map(valueOf) : undefined;
    if (result.status === 'fulfilled' && result.settledAtMs === readyAt && got && got.length === expected.length && expected.every((v, i) => i in got && got[i] === v)) return undefined;
    const items = what === 'loadAll' ? '' : 'outcomes whose values are ';
    const did = result.status === 'pending' ? 'never settled' : result.status === 'rejected' ? `rejected at ${ms(result.settledAtMs ?? 0)} with ${describeError(result.reason)}` : `resolved at ${ms(result.settledAtMs ?? 0)} with ${items}${showValues(got ?? result.value)}`;
    return `${what} ${name} ${did}; it must resolve at ${ms(readyAt)} with ${items}${showValues(expected)}`;
  };
  const together = await run(['A', 'B']);
  const wrong = together.map(({ name, result, atSettle }) => wrongWith(name, result, atSettle)).filter((w): w is string => w !== undefined);
  if (wrong.length === 0) return;
  const alone = [];
  for (const name of ['A', 'B'] as const) {
    const [solo] = await run([name]);
    if (solo && wrongWith(name, solo.result, solo.atSettle) === undefined) alone.push(name);
  }
  // A join that resolved before its own slowest task, as wrong alone as together: what it held then says why.
  const earlyOnes = together.filter(({ name, result }) => result.status === 'fulfilled' && (result.settledAtMs ?? 0) < Math.max(...specs[name]));
  const early = earlyOnes[0];
  const lengthRuledOut = earlyOnes.some(({ name, result, atSettle }) => !resolvedOnLength(specs[name], result.settledAtMs, atSettle()));
  const setting = `Two ${what} calls at once: ${what} A over tasks of ${specs.A.map((l) => ms(l)).join(' and ')} (values "A0", "A1"), and, started right after it, ${what} B over tasks of ${specs.B.map((l) => ms(l)).join(', ')} ("B0", "B1", "B2").`;
  fail(
    setting,
    `Together, ${wrong.join('; and ')}.`,
    ...(alone.length === 2
      ? [
          `Alone (each run just now by itself, same tasks) both do just what they should; only together do they go wrong:`,
          `-> the two calls share something each should own: the ${what === 'loadAll' ? 'results' : 'outcomes'} array or the count of tasks still running, kept outside ${what} (at`,
          `   module level, say), which the second call resets and fills. Keep them in locals of ${what}, one of each per call.`,
        ]
      : early
        ? earlyJoinAdvice(specs[early.name], early.result.settledAtMs, early.atSettle(), lengthRuledOut, `${what} ${early.name}`)
        : []),
  );
}

describe('step 1: join two waits', () => {
  it('loadBoth is ready after one wait (100 ms), not two', async () => {
    useFakeClock();
    const io = new SimulatedIo(100);
    const result = track(loadBoth(io.task('user'), io.task('image')));
    await advance(100);
    await expectJoined(io, result, { expectedMs: 100, labels: ['user', 'image'], what: 'loadBoth' });
    expect(result.value, 'loadBoth must resolve with [user result, image result]').toEqual(['user done', 'image done']);
  });

  it('is not ready before the wait is over (99 ms)', async () => {
    useFakeClock();
    const io = new SimulatedIo(100);
    const result = track(loadBoth(io.task('user'), io.task('image')));
    await advance(99);
    if (result.settled) {
      fail(
        `loadBoth settled after 99 ms, before the 100 ms tasks could finish (status: ${result.status}).`,
        'It must wait for both results, not return early.',
      );
    }
    await advance(1);
    await expectJoined(io, result, { expectedMs: 100, labels: ['user', 'image'], what: 'loadBoth' });
  });

  it('rejects as soon as either task fails, leaving no unhandled rejection', async () => {
    useFakeClock();
    const io = new SimulatedIo(100);
    const broken = new Error('image CDN is down');
    let result: ReturnType<typeof track<[string, string]>> | undefined;
    const unhandled = await collectUnhandledRejections(async () => {
      result = track(loadBoth(io.task('user'), io.task('image', { latencyMs: 30, error: broken })));
      await advance(30);
    });
    if (unhandled.length > 0) {
      fail(
        'The image failed at 30 ms while loadBoth was still awaiting the user: nobody was listening to the image\'s promise, so its rejection went unhandled (Node.js can crash the process for that).',
        'Starting both and then awaiting them one by one leaves the second promise unwatched. Await them together: Promise.all listens to both at once.',
      );
    }
    if (result?.status !== 'rejected') {
      await advance(100);
      expectStartedAtOnce('loadBoth', startsOf(io, ['user', 'image']), 130, io.draw());
      // Read afresh: the clock moved since the check above.
      const current = (): Tracked<[string, string]> | undefined => result;
      const after = current();
      const later = after?.status === 'rejected' ? ` It rejected only at ${ms(after.settledAtMs ?? 0)}${after.settledAtMs === 100 ? ', when the user (100 ms) was done too: it waited for the other task after the failure' : ''}.` : '';
      fail(`The image failed at 30 ms, but loadBoth had not rejected yet: it should fail fast, as soon as either task fails.${later}`, io.draw());
    }
    expectOwnError({ got: result.reason, expected: broken, happened: `The image failed at 30 ms with ${describeError(broken)}`, gave: 'loadBoth rejected with' });
  });

  it('holds for any latencies and failures: ready with the slower task, or rejects with the first failure', async () => {
    await explore({
      seed: 101,
      cases: fc.tuple(taskCase, taskCase),
      describe: describeTasks,
      cleanup: realClock,
      check: async (tasks) => {
        const { io, result, unhandled, atSettle } = await runJoin((io) => {
          const [u, i] = tasksOf(io, tasks);
          return loadBoth(u!, i!);
        });
        expectNoUnhandled(unhandled, 'loadBoth', io);
        judgeFailFast('loadBoth', io, tasks, result, (values) => values, atSettle);
      },
    });
  });

  it('a task may resolve with anything, undefined included: loadBoth waits for both and keeps each value as it is', async () => {
    type Falsy = (typeof FALSY_VALUES)[number];
    const pairs: [Falsy, Falsy][] = [[FALSY_VALUES[0]!, FALSY_VALUES[1]!], [FALSY_VALUES[2]!, FALSY_VALUES[0]!], [FALSY_VALUES[3]!, FALSY_VALUES[4]!]];
    for (const [first, second] of pairs) {
      useFakeClock();
      const timed = timedTasks<unknown>([resolvesAfter(10, first.value), resolvesAfter(20, second.value)]);
      const result = track(loadBoth<unknown, unknown>(timed.tasks[0]!, timed.tasks[1]!));
      await advance(20);
      stopAtTodo(result);
      expectStartedAtOnce('loadBoth', timed.startedAt, 20);
      const [a, b] = result.value ?? [];
      if (result.status !== 'fulfilled' || result.settledAtMs !== 20 || !Object.is(a, first.value) || !Object.is(b, second.value)) {
        fail(
          `The user resolved with ${first.code} at 10 ms, the image with ${second.code} at 20 ms; loadBoth ${result.status === 'pending' ? 'was still pending at 20 ms, when both were done' : `${result.status === 'fulfilled' ? `resolved at ${ms(result.settledAtMs ?? 0)} with ${showValues(result.value)}` : `rejected with ${describeError(result.reason)}`}`}. It must resolve at 20 ms with [${first.code}, ${second.code}].`,
          ...(result.status === 'pending' ? [FALSY_VALUE_ADVICE] : []),
        );
      }
      vi.useRealTimers();
    }
  });

  it('overlaps the waits with real timers too', async () => {
    // Real time, where the lesson is real time. Judged by the two waits' own start and end times (did the
    // second start before the first ended?), not by the total: with every core busy, timers fire late and a
    // correct join can take 180 ms, while one after the other always shows as back-to-back intervals.
    const io = new SimulatedIo(100);
    const start = performance.now();
    const values = await loadBoth(io.task('user'), io.task('image'));
    const elapsed = performance.now() - start;
    expect(values).toEqual(['user done', 'image done']);
    if (ranOneAfterAnother(io.timeline.intervals)) {
      fail(
        `With real timers loadBoth took ${ms(elapsed)}; one wait alone takes 100 ms.`,
        io.draw(),
        '-> the second task started only after the first one ended. Start both, then await both.',
      );
    }
  });
});

describe('step 2: join many, keep input order', () => {
  const latencies = [50, 10, 40, 30, 20];
  const tasksFor = (io: SimulatedIo): Task<string>[] =>
    latencies.map((latencyMs, i) => io.task(`task ${i}`, { latencyMs, value: `result ${i}` }));

  it('loadAll is ready when the slowest task is (50 ms), not after the sum (150 ms), and not before', async () => {
    useFakeClock();
    const io = new SimulatedIo(50);
    const { result, atSettle } = trackJoin(loadAll(tasksFor(io)));
    await advance(50);
    await expectJoined(io, result, {
      expectedMs: 50,
      labels: latencies.map((_, i) => `task ${i}`),
      what: 'loadAll',
      early: () => earlyJoinAdvice(latencies, result.settledAtMs, atSettle()),
    });
  });

  it('returns results in input order, not in the order they finished', async () => {
    useFakeClock();
    const io = new SimulatedIo(50);
    const result = track(loadAll(tasksFor(io)));
    await advance(200);
    if (result.status !== 'fulfilled') fail(`loadAll did not resolve (status: ${result.status}).`);
    expectOrder(result.value ?? [], latencies.map((_, i) => `result ${i}`), 'loadAll results');
  });

  it('handles an empty list', async () => {
    await expectEmptyJoin('loadAll', () => loadAll([]));
  });

  it('a task may resolve with anything, undefined included: loadAll waits for each and keeps its value as it is', async () => {
    useFakeClock();
    const timed = timedTasks(FALSY_VALUES.map(({ value }, i) => resolvesAfter<unknown>(10 * (i + 1), value)));
    const { result, atSettle } = trackJoin(loadAll<unknown>(timed.tasks));
    const lastMs = 10 * FALSY_VALUES.length;
    await advance(lastMs);
    stopAtTodo(result);
    expectStartedAtOnce('loadAll', timed.startedAt, lastMs);
    // What it resolved with, as it was then: later tasks may fill the same array in afterwards.
    const values = atSettle() ?? result.value;
    if (result.status !== 'fulfilled' || result.settledAtMs !== lastMs || !Array.isArray(values) || values.length !== FALSY_VALUES.length || !FALSY_VALUES.every(({ value }, i) => i in values && Object.is(values[i], value))) {
      fail(
        `Task ${FALSY_VALUES.map(({ code }, i) => `${i} resolved with ${code} at ${ms(10 * (i + 1))}`).join(', task ')}; loadAll ${result.status === 'pending' ? `was still pending at ${ms(lastMs)}, when the last of them was done` : `${result.status} at ${ms(result.settledAtMs ?? 0)}${result.status === 'fulfilled' ? ` with ${showValues(values)}` : ` with ${describeError(result.reason)}`}`}. It must resolve at ${ms(lastMs)} with [${FALSY_VALUES.map(({ code }) => code).join(', ')}].`,
        ...(result.status === 'pending' ? [FALSY_VALUE_ADVICE] : []),
        ...((result.settledAtMs ?? lastMs) < lastMs ? earlyJoinAdvice(FALSY_VALUES.map((_, i) => 10 * (i + 1)), result.settledAtMs, values) : []),
      );
    }
  });

  it('holds for any number of tasks and any latencies: ready with the slowest, results in input order', async () => {
    await explore({
      seed: 102,
      cases: fc.array(okTask, { minLength: 1, maxLength: 6 }),
      describe: describeTasks,
      cleanup: realClock,
      check: async (tasks) => {
        const { io, result, atSettle } = await runJoin((io) => loadAll(tasksOf(io, tasks)));
        judgeFailFast('loadAll', io, tasks, result, (values) => values, atSettle);
      },
    });
  });

  it('two loadAll calls at once: each resolves with its own results, when its own tasks are done', async () => {
    await expectJoinsApart('loadAll', (tasks) => loadAll(tasks), (value) => value);
  });

  it('starts each task exactly once', async () => {
    useFakeClock();
    const io = new SimulatedIo(10);
    const result = track(loadAll(tasksFor(io)));
    await advance(100);
    expectStartedAtOnce('loadAll', startsOf(io, latencies.map((_, i) => `task ${i}`)), 100, io.draw());
    expect(result.status).toBe('fulfilled');
    if (io.started.length !== latencies.length) {
      fail(`loadAll started ${io.started.length} tasks for a list of ${latencies.length}: each task must be called once.`);
    }
  });
});

describe('step 3: fail fast, or collect every outcome', () => {
  const boom = new Error('image CDN is down');

  it('loadAll rejects as soon as one task fails (at 30 ms, not after the slow one at 100 ms)', async () => {
    useFakeClock();
    const io = new SimulatedIo(100);
    const result = track(loadAll([io.task('slow', { latencyMs: 100 }), io.task('broken', { latencyMs: 30, error: boom })]));
    await advance(30);
    if (result.status === 'pending') await advance(200);
    expectStartedAtOnce('loadAll', startsOf(io, ['slow', 'broken']), 230, io.draw());
    if (result.status === 'fulfilled') {
      fail(
        `loadAll resolved with ${JSON.stringify(result.value)} even though the task "broken" failed: the error was swallowed.`,
        'A failure must reach the caller: do not catch it and carry on.',
      );
    }
    if (result.settledAtMs === undefined || result.settledAtMs > 30) {
      fail(
        `loadAll had not rejected 30 ms in, when "broken" failed (${result.settledAtMs === undefined ? 'it never rejected' : `it rejected at ${ms(result.settledAtMs)}`}).`,
        io.draw(),
        'Fail fast: the caller should hear about the failure at once, not after every other task.',
      );
    }
    expectOwnError({ got: result.reason, expected: boom, happened: `The task "broken" failed at 30 ms with ${describeError(boom)}`, gave: 'loadAll rejected with' });
  });

  it('loadEvery reports every outcome, in input order, and never rejects', async () => {
    useFakeClock();
    const io = new SimulatedIo(100);
    const result = track(
      loadEvery([
        io.task('user', { latencyMs: 50, value: 'ada' }),
        io.task('image', { latencyMs: 30, error: boom }),
        io.task('friends', { latencyMs: 100, value: 'grace' }),
      ]),
    );
    await advance(100);
    if (result.status === 'rejected') {
      fail(`loadEvery rejected with ${describeError(result.reason)}: it must report failures as outcomes, not throw them.`);
    }
    expectStartedAtOnce('loadEvery', startsOf(io, ['user', 'image', 'friends']), 100, io.draw());
    if (result.status === 'pending') fail('loadEvery was still pending at 100 ms, when the slowest task had finished.', io.draw());
    // In the order they finished (image at 30 ms, user at 50, friends at 100) instead of the order given.
    const [first, second, third] = result.value ?? [];
    if (first?.ok === false && first.error === boom && second?.ok === true && second.value === 'ada' && third?.ok === true && third.value === 'grace') {
      fail(
        `loadEvery's outcomes came back as ${(result.value ?? []).map(showOutcome).join(', ')}: in the order the tasks finished (image at 30 ms, user at 50 ms, friends at 100 ms), not in the order they were given (user, image, friends).`,
        '-> put each outcome in the slot of its own task (`outcomes[i] = ...`, with i the task\'s index), or map allSettled\'s records, which keep the input order.',
      );
    }
    const failed = result.value?.[1];
    if (rewrappedFailure(failed)) {
      fail(`The image task failed with ${describeError(boom)}; loadEvery's outcome for it is ${showOutcome(failed)}: a success whose value is a failure.`, ...REWRAPPED_ADVICE);
    }
    if (failed && failed.ok === false && failed.error !== boom) {
      fail(
        `The image task failed with ${describeError(boom)}; loadEvery's outcome for it is { ok: false, error: ${typeof failed.error === 'string' ? JSON.stringify(failed.error) : describeError(failed.error)} }, not that error itself.`,
        '-> an outcome carries the task\'s own error (the rejection reason, as it is): its type, stack and cause are what the caller needs to handle it.',
      );
    }
    expect(result.value, 'outcomes, in input order').toEqual([
      { ok: true, value: 'ada' },
      { ok: false, error: boom },
      { ok: true, value: 'grace' },
    ]);
  });

  it('holds for any mix of latencies and failures: loadAll fails fast, loadEvery reports every outcome', async () => {
    await explore({
      seed: 103,
      cases: fc.array(taskCase, { minLength: 1, maxLength: 6 }),
      describe: describeTasks,
      cleanup: realClock,
      check: async (tasks) => {
        const all = await runJoin((io) => loadAll(tasksOf(io, tasks)));
        expectNoUnhandled(all.unhandled, 'loadAll', all.io);
        judgeFailFast('loadAll', all.io, tasks, all.result, (values) => values, all.atSettle);
        vi.useRealTimers();
        const every = await runJoin((io) => loadEvery(tasksOf(io, tasks)));
        const drawing = every.io.draw();
        expectStartedAtOnce('loadEvery', startsOf(every.io, tasks.map((_, i) => `task ${i}`)), every.io.timeline.now(), drawing);
        const slowest = Math.max(...tasks.map((t) => t.latencyMs));
        if (every.result.status !== 'fulfilled') {
          fail(`loadEvery ${every.result.status === 'rejected' ? `rejected with ${describeError(every.result.reason)}` : 'never settled'}: it must wait for every task and never reject.`, drawing);
        }
        if (every.result.settledAtMs !== slowest) {
          fail(`loadEvery resolved at ${ms(every.result.settledAtMs ?? 0)}; the last task was done at ${ms(slowest)}, and every outcome is known only then.`, drawing);
        }
        const outcomes = every.result.value ?? [];
        tasks.forEach((t, i) => {
          const outcome = outcomes[i];
          const right = t.fails
            ? outcome?.ok === false && (outcome.error as Error | undefined)?.message === errorOf(i).message
            : outcome?.ok === true && outcome.value === `result ${i}`;
          if (!right) {
            fail(
              `loadEvery's outcome #${i} is ${showOutcome(outcome)}; task ${i} ${t.fails ? `failed with "${errorOf(i).message}"` : `resolved with "result ${i}"`}.`,
              ...(rewrappedFailure(outcome) ? REWRAPPED_ADVICE : ['Outcomes follow the input order: { ok: true, value } or { ok: false, error }, one per task.']),
              drawing,
            );
          }
        });
      },
    });
  });

  it('a rejection with a falsy reason is still a failure: reject(), reject(0), reject(\'\'), reject(null), reject(false)', async () => {
    // A task may reject with anything, undefined included; what makes it a failure is that it rejected.
    const reasons: readonly { code: string; reason: unknown }[] = [
      { code: 'reject()', reason: undefined },
      { code: 'reject(0)', reason: 0 },
      { code: "reject('')", reason: '' },
      { code: 'reject(null)', reason: null },
      { code: 'reject(false)', reason: false },
    ];
    const after = <T>(latencyMs: number, settle: (resolve: (value: T) => void, reject: (reason: unknown) => void) => void): Task<T> =>
      () => new Promise<T>((resolve, reject) => setTimeout(() => settle(resolve, reject), latencyMs));
    const show = (value: unknown) => (value === undefined ? 'undefined' : value instanceof Error ? `${value.name}("${value.message}")` : JSON.stringify(value));
    const showOutcome = (o: unknown) =>
      o && typeof o === 'object' ? `{ ${Object.entries(o).map(([key, value]) => `${key}: ${show(value)}`).join(', ')} }` : show(o);
    const FALSY = '-> a rejection with a falsy reason is still a rejection: tell a failure from a success by how the task settled (allSettled\'s `status`, or which callback of then() ran), never by whether the error is truthy (`error ? { ok: false } : { ok: true }`).';
    for (const { code, reason } of reasons) {
      useFakeClock();
      const timed = timedTasks([after<string>(10, (resolve) => resolve('ada')), after<string>(20, (_, reject) => reject(reason)), after<string>(30, (resolve) => resolve('grace'))]);
      const every = track(loadEvery<string>(timed.tasks));
      await advance(30);
      stopAtTodo(every);
      expectStartedAtOnce('loadEvery', timed.startedAt, 30);
      if (every.status !== 'fulfilled') {
        fail(`Task 1 rejected at 20 ms with ${code}; loadEvery ${every.status === 'rejected' ? `rejected with ${describeError(every.reason)}` : 'was still pending at 30 ms, when the last task was done'}: it must report that failure as an outcome.`);
      }
      const outcome = every.value?.[1];
      if (!outcome || outcome.ok !== false || !Object.is(outcome.error, reason)) {
        fail(
          `Task 1 rejected at 20 ms with ${code}, the reason ${show(reason)}; loadEvery reported ${showOutcome(outcome)} for it. It must be { ok: false, error: ${show(reason)} }.`,
          ...(rewrappedFailure(outcome) ? REWRAPPED_ADVICE : outcome?.ok === true ? [FALSY] : ['-> an outcome carries the rejection reason as it is.']),
        );
      }
      vi.useRealTimers();
      useFakeClock();
      const timedAll = timedTasks([after<string>(50, (resolve) => resolve('ada')), after<string>(20, (_, reject) => reject(reason))]);
      const all = track(loadAll<string>(timedAll.tasks));
      await advance(50);
      stopAtTodo(all);
      expectStartedAtOnce('loadAll', timedAll.startedAt, 50);
      if (all.status !== 'rejected' || all.settledAtMs !== 20 || !Object.is(all.reason, reason)) {
        fail(
          `Task 1 rejected at 20 ms with ${code}; loadAll ${all.status === 'pending' ? 'was still pending at 50 ms' : `${all.status} at ${ms(all.settledAtMs ?? 0)}${all.status === 'rejected' ? ` with ${show(all.reason)}` : ` with ${JSON.stringify(all.value)}`}`}. It must reject at once, with that reason as it is.`,
          ...(all.status === 'fulfilled' ? [FALSY] : []),
        );
      }
      vi.useRealTimers();
    }
  });

  it('loadEvery waits for the slow tasks even after one failed', async () => {
    useFakeClock();
    const io = new SimulatedIo(100);
    const result = track(loadEvery([io.task('broken', { latencyMs: 10, error: boom }), io.task('slow', { latencyMs: 100 })]));
    await advance(99);
    if (result.settled) fail('loadEvery settled before the slow task finished: it must wait for every outcome.');
    await advance(1);
    expectStartedAtOnce('loadEvery', startsOf(io, ['broken', 'slow']), 100, io.draw());
    expect(result.status).toBe('fulfilled');
    if (!ranOneAfterAnother(io.timeline.intervals)) return;
    fail('loadEvery ran the tasks one after the other.', io.draw(), 'Start them all, then wait for all of them.');
  });

  it('two loadEvery calls at once: each resolves with its own outcomes, when its own tasks are done', async () => {
    await expectJoinsApart('loadEvery', (tasks) => loadEvery(tasks), (outcome) => (outcome && typeof outcome === 'object' && 'value' in outcome ? outcome.value : outcome));
  });

  it('loadEvery handles an empty list, and a task that resolves with a falsy value is a success', async () => {
    await expectEmptyJoin('loadEvery', () => loadEvery([]));
    useFakeClock();
    const timed = timedTasks(FALSY_VALUES.map(({ value }, i) => resolvesAfter<unknown>(10 * (i + 1), value)));
    const every = track(loadEvery<unknown>(timed.tasks));
    const lastMs = 10 * FALSY_VALUES.length;
    await advance(lastMs);
    stopAtTodo(every);
    expectStartedAtOnce('loadEvery', timed.startedAt, lastMs);
    const outcomes = every.value;
    const right = every.status === 'fulfilled' && every.settledAtMs === lastMs && Array.isArray(outcomes) && outcomes.length === FALSY_VALUES.length &&
      FALSY_VALUES.every(({ value }, i) => outcomes[i]?.ok === true && Object.is(outcomes[i].value, value));
    if (!right) {
      fail(
        `Task ${FALSY_VALUES.map(({ code }, i) => `${i} resolved with ${code} at ${ms(10 * (i + 1))}`).join(', task ')}; loadEvery ${every.status === 'pending' ? `was still pending at ${ms(lastMs)}, when the last of them was done` : `${every.status} at ${ms(every.settledAtMs ?? 0)}${every.status === 'fulfilled' ? ` with ${showValues(outcomes)}` : ` with ${describeError(every.reason)}`}`}. It must resolve at ${ms(lastMs)} with { ok: true, value } for each, the value as it is.`,
        ...(every.status === 'pending' ? [FALSY_VALUE_ADVICE] : []),
      );
    }
  });
});

describe('step 4: a deadline that cleans up after itself', () => {
  /** What withDeadline left open right after it settled: handles of the code under test only. */
  function expectNothingLeft(open: readonly OpenHandle[], watch: HandleWatch, when: string, ...why: string[]): void {
    if (open.length === 0) return;
    const kinds = [...new Set(open.map((h) => h.kind))];
    fail(
      `${when}, but it left ${open.length === 1 ? 'this' : `these ${open.length}`} behind:`,
      watch.describe(open),
      ...why,
      ...kinds.map((kind) => `-> ${adviceFor(kind)}`),
      ...(open.some((h) => h.kind === 'timer' && h.keepsProcessAlive)
        ? ['   A leaked timer holds its closure until it fires, and keeps the process alive meanwhile: in a server with thousands of requests, that adds up.']
        : []),
    );
  }

  /** Runs withDeadline once on the fake clock, watching what it leaves behind the moment it settles. */
  async function runDeadline(latencyMs: number, taskOf: (io: SimulatedIo) => (signal: AbortSignal) => Promise<string>, deadlineMs: number) {
    useFakeClock();
    const io = new SimulatedIo(latencyMs);
    const inner = taskOf(io);
    // When did the signal withDeadline gave the task abort (if ever)? Seen from the task's side.
    let abortedAtMs: number | undefined;
    const task = (signal: AbortSignal) => {
      signal?.addEventListener('abort', () => (abortedAtMs ??= io.timeline.now()), { once: true });
      return inner(signal);
    };
    const watch = watchHandles();
    let result: Tracked<string> | undefined;
    let openAtSettle: OpenHandle[] | undefined;
    const unhandled = await collectUnhandledRejections(async () => {
      result = track(callWithDeadline(task, deadlineMs));
      await runUntilIdle(10_000, () => {
        if (result?.settled && !openAtSettle) openAtSettle = watch.open();
      });
    });
    watch.stop();
    stopAtTodo(result!);
    return { io, result: result!, openAtSettle: openAtSettle ?? [], watch, unhandled, abortedAtMs };
  }

  /**
   * withDeadline, called the way a caller would. If it throws the task's synchronous error straight out
   * instead of rejecting, that error still reached the caller at once: judged like a rejection.
   */
  let threwStraightOut = false;
  function callWithDeadline(task: (signal: AbortSignal) => Promise<string>, deadlineMs: number): Promise<string> {
    threwStraightOut = false;
    try {
      return withDeadline(task, deadlineMs);
    } catch (error) {
      threwStraightOut = true;
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
  /** How withDeadline gave a failure back: rejected, or (called with a task that throws) threw it straight out. */
  const gaveBack = () => (threwStraightOut ? 'threw it straight back' : 'rejected with it');

  /**
   * Tasks that are done before they ever wait: one that throws synchronously (a plain function, not
   * async: the throw comes out of the call itself, before any promise exists), one that returns an
   * already rejected promise, one that returns an already resolved one. Each is a way out of withDeadline
   * at 0 ms, and each must leave nothing behind.
   */
  type QuickShape = 'throws' | 'rejects at once' | 'resolves at once';
  // In this order: when 'throws' is judged, the same code already passed the two that return a promise.
  const QUICK_SHAPES: readonly QuickShape[] = ['resolves at once', 'rejects at once', 'throws'];
  const quickError = new Error('bad url');
  const quickTask = (shape: QuickShape): ((signal: AbortSignal) => Promise<string>) => {
    switch (shape) {
      case 'throws':
        return () => {
          throw quickError;
        };
      case 'rejects at once':
        return () => Promise.reject(quickError);
      case 'resolves at once':
        return () => Promise.resolve('cached');
    }
  };
  const describeQuick = (shape: QuickShape) =>
    shape === 'throws'
      ? `threw "${quickError.message}" synchronously (a plain function: the throw came out of the call itself, before any promise existed)`
      : shape === 'rejects at once'
        ? `returned a promise already rejected with "${quickError.message}"`
        : 'returned a promise already resolved with "cached"';
  /** Advice for what a task that throws left behind, when a task that rejects at once leaves nothing: the cleanup was not around the call. */
  const SYNC_THROW_ADVICE = [
    '-> a task that rejects at once leaves nothing behind here; one that throws does. A throw at the call skips every line after it: a timer armed before the call is never cleared. Call the task inside the try whose finally cleans up (or arm the timer only once the task has returned its promise).',
  ];
  const quickAdvice = (shape: QuickShape) => (shape === 'throws' ? SYNC_THROW_ADVICE : []);

  /**
   * A task that is done at once (throws, rejects or resolves before it ever waits): withDeadline settles
   * as the task did, at 0 ms, leaves no timer when it settles, and no promise rejects unhandled later
   * (a leaked deadline timer fires and rejects a promise nobody listens to any more).
   */
  async function judgeQuick(shape: QuickShape, deadlineMs: number): Promise<void> {
    const { result, openAtSettle, watch, unhandled } = await runDeadline(1, () => quickTask(shape), deadlineMs);
    const thrown = threwStraightOut;
    /** Only true of this code if a task that rejects at once leaves nothing (checked now, same deadline). */
    const syncOnly = async () => {
      if (shape !== 'throws') return [];
      vi.useRealTimers();
      const rejecting = await runDeadline(1, () => quickTask('rejects at once'), deadlineMs);
      threwStraightOut = thrown;
      return rejecting.openAtSettle.length === 0 && rejecting.unhandled.length === 0 ? SYNC_THROW_ADVICE : [];
    };
    const fails = shape !== 'resolves at once';
    const right = fails ? result.reason === quickError : result.value === 'cached';
    const what = `The task ${describeQuick(shape)}`;
    if (fails && result.status === 'rejected' && result.settledAtMs === 0 && !(result.reason instanceof DeadlineError)) {
      expectOwnError({ got: result.reason, expected: quickError, happened: `${what}; withDeadline ${gaveBack().replace(' with it', '')} at 0 ms`, gave: 'and what came out is' });
    }
    if (!right || result.settledAtMs !== 0) {
      const did =
        result.status === 'pending'
          ? 'never settled'
          : `${result.status === 'fulfilled' ? `resolved with "${String(result.value)}"` : `rejected with ${describeError(result.reason)}`} at ${ms(result.settledAtMs ?? 0)}`;
      fail(`${what}; withDeadline ${did}. It must ${fails ? `reject with the task's own error` : 'resolve with "cached"'} at once (0 ms), long before the ${ms(deadlineMs)} deadline.`);
    }
    if (openAtSettle.length > 0) expectNothingLeft(openAtSettle, watch, `${what}, and withDeadline ${fails ? gaveBack() : 'resolved'} at 0 ms`, ...(await syncOnly()));
    if (unhandled.length > 0) {
      fail(
        `${what}, and withDeadline ${fails ? gaveBack() : 'resolved'} at 0 ms; later ${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.map(describeError).join('; ')}.`,
        '-> withDeadline was already done, so nobody was listening any more. Every promise withDeadline makes must be listened to (or never reject) on every way out, a task that throws before it returns a promise included.',
      );
    }
  }

  /** The deadline aborted the signal with no reason before it rejected: the task's own AbortError won the race, at the deadline. */
  const abortErrorWon = (result: Tracked<unknown>, deadlineMs: number) =>
    result.status === 'rejected' && result.settledAtMs === deadlineMs && result.reason instanceof Error && result.reason.name === 'AbortError';
  const ABORT_ERROR_WON =
    '-> the task\'s own AbortError won the race: the signal was aborted before the deadline rejected, and not with the DeadlineError as its reason, so the task rejected first, with an AbortError. Abort with the DeadlineError as the reason (`controller.abort(error)`), or reject before you abort.';

  /** How the task's signal was (not) aborted, against the deadline: "nobody aborted" is never said of a late abort. */
  function abortStory(deadlineMs: number, abortedAtMs: number | undefined): string {
    if (abortedAtMs === undefined) return 'nobody aborted its signal';
    if (abortedAtMs > deadlineMs) return `its signal was aborted late, at ${ms(abortedAtMs)} (${ms(abortedAtMs - deadlineMs)} after the deadline)`;
    if (abortedAtMs < deadlineMs) return `its signal was aborted early, at ${ms(abortedAtMs)}, before the deadline`;
    return 'its signal was aborted on time, but the task did not stop';
  }
  /**
   * withDeadline gave up (rejected with DeadlineError, or aborted the task's signal) before its deadline: its timer fires too soon.
   * Said instead of the advice for a deadline that fired late or not at all.
   */
  function earlyDeadline(deadlineMs: number, abortedAtMs: number | undefined, result?: Tracked<unknown>): string[] {
    const gaveUpAtMs = result?.status === 'rejected' && result.reason instanceof DeadlineError && (result.settledAtMs ?? deadlineMs) < deadlineMs ? result.settledAtMs : undefined;
    const firstMs = Math.min(gaveUpAtMs ?? Number.POSITIVE_INFINITY, abortedAtMs ?? Number.POSITIVE_INFINITY);
    if (!(firstMs < deadlineMs)) return [];
    const what = gaveUpAtMs === firstMs ? 'withDeadline gave up' : 'the task\'s signal was aborted';
    return [
      `-> ${what} at ${ms(firstMs)}, ${ms(deadlineMs - firstMs)} before the ${ms(deadlineMs)} deadline: the deadline fired too soon. Set its timer for exactly`,
      '   deadlineMs, from when withDeadline is called (`setTimeout(..., deadlineMs)`): a task may need all of its time, to the last millisecond.',
    ];
  }

  function abortAdvice(abortedAtMs: number | undefined, early: readonly string[] = [], deadlineMs?: number): string {
    if (early.length > 0) return early.join('\n');
    const tooSoon = deadlineMs === undefined ? [] : earlyDeadline(deadlineMs, abortedAtMs);
    if (tooSoon.length > 0) return tooSoon.join('\n');
    return abortedAtMs === undefined
      ? 'Pass an AbortSignal to the task and abort it when the deadline fires.'
      : 'Abort the signal in the deadline\'s own timer callback, the moment it fires: not one timer turn later (a setTimeout(..., 0) is a turn of its own), not on a check now and then.';
  }

  /**
   * A deadline timer the code cleared while withDeadline was still waiting (before the deadline, before it settled):
   * the cleanup ran before the race was over, so the deadline could never fire. Judged on what the watch saw cleared.
   */
  function clearedEarly(watch: HandleWatch | undefined, deadlineMs: number, settledAtMs: number | undefined): string[] {
    const early = watch?.cleared().find((t) => Math.round(t.delayMs) === deadlineMs && t.clearedAtMs < deadlineMs - 0.5 && (settledAtMs === undefined || t.clearedAtMs < settledAtMs - 0.5));
    if (!early) return [];
    return [
      `-> the deadline timer was set, and cleared before it could fire: ${early.what} (created at ${early.createdAt}) was cleared at ${ms(early.clearedAtMs)}, at ${early.clearedAt},`,
      '   while withDeadline was still waiting for the task. The cleanup ran before the race had settled. A `return promise` inside a try',
      '   returns at once, without waiting for that promise, and the finally runs right then: write `return await Promise.race(...)`, so the',
      '   finally runs when the race is over.',
    ];
  }

  /** Why withDeadline was not done at the deadline, judged by what happened to the task's signal. */
  function lateDeadlineAdvice(deadlineMs: number, abortedAtMs: number | undefined, listens: boolean, watch?: HandleWatch, result?: Tracked<unknown>, taskEndMs?: number): string[] {
    const settledAtMs = result?.settledAtMs;
    const early = clearedEarly(watch, deadlineMs, settledAtMs);
    if (early.length > 0) return early;
    const tooSoon = earlyDeadline(deadlineMs, abortedAtMs, result);
    if (tooSoon.length > 0) return tooSoon;
    if (result && abortErrorWon(result, deadlineMs)) return [ABORT_ERROR_WON];
    // The DeadlineError itself, but late, the moment the task ended: something waited for the task after the deadline.
    const waitedAfter = result?.status === 'rejected' && result.reason instanceof DeadlineError && settledAtMs !== undefined && settledAtMs > deadlineMs && settledAtMs === taskEndMs;
    if (abortedAtMs === deadlineMs && !listens && waitedAfter) {
      return [
        `-> the task's signal was aborted at ${ms(deadlineMs)}, on time, and withDeadline did reject with DeadlineError, but only at ${ms(settledAtMs)}, the moment the`,
        `   task ended, ${ms(settledAtMs - deadlineMs)} after the deadline: it still waited for the task once the deadline had fired. Whatever waits for the task after`,
        '   the deadline (an await of the task in a finally, to let it stop; or awaiting the task itself and looking at the signal afterwards) waits for a task',
        '   that may never listen. Race the task against the deadline and, once the deadline has won, let the task go: do not wait for it.',
      ];
    }
    if (abortedAtMs === deadlineMs) {
      return listens
        ? ['The task\'s signal was aborted on time, but withDeadline did not reject then: race the task against a timer that rejects with DeadlineError.']
        : [
            `-> the task's signal was aborted at ${ms(deadlineMs)}, on time. But aborting asks the task to stop; it does not stop *you* from waiting.`,
            '   A task may not listen, so race it against the deadline (Promise.race): the deadline always settles on time.',
          ];
    }
    return [
      `-> nothing happened at ${ms(deadlineMs)}: the task's signal was ${abortedAtMs === undefined ? 'never aborted' : `aborted only at ${ms(abortedAtMs)}`}.`,
      '   A deadline is a timer set for exactly deadlineMs (setTimeout(..., deadlineMs)); a clock checked now and then gives up late.',
    ];
  }

  it('resolves with the result of a fast task and clears its timer', async () => {
    const { result, openAtSettle, watch } = await runDeadline(50, (io) => io.abortableTask('user', { value: 'ada' }), 100);
    expect(result.value, 'withDeadline must resolve with the task result').toBe('ada');
    expect(result.settledAtMs, 'as soon as the task is done').toBe(50);
    expectNothingLeft(openAtSettle, watch, 'The task finished at 50 ms and withDeadline resolved');
  });

  it('a task that resolves with undefined, or any falsy value, in time: withDeadline resolves with that value, then', async () => {
    for (const { code, value } of FALSY_VALUES) {
      useFakeClock();
      const result = track(withDeadline<unknown>(resolvesAfter(20, value), 100));
      await advance(20);
      stopAtTodo(result);
      if (result.status !== 'fulfilled' || result.settledAtMs !== 20 || !Object.is(result.value, value)) {
        const did =
          result.status === 'pending'
            ? 'was still pending at 20 ms'
            : result.status === 'fulfilled'
              ? `resolved at ${ms(result.settledAtMs ?? 0)} with ${showValues([result.value]).slice(1, -1)}`
              : `rejected at ${ms(result.settledAtMs ?? 0)} with ${result.reason instanceof DeadlineError ? 'a DeadlineError' : describeError(result.reason)}`;
        fail(
          `The task resolved with ${code} at 20 ms, before the 100 ms deadline; withDeadline ${did}. It must resolve with ${code}, then.`,
          ...(result.status === 'rejected' && result.reason instanceof DeadlineError
            ? [
                `-> it gave up with DeadlineError at ${ms(result.settledAtMs ?? 0)}, long before the deadline: the task's value was taken for the deadline. A task may resolve with anything,`,
                '   undefined included (a task with nothing to return always does): tell the deadline from the task by which promise settled (let the',
                '   deadline reject with DeadlineError), never by the value the race gave back.',
              ]
            : []),
        );
      }
      await advance(100);
      vi.useRealTimers();
    }
  });

  it('a task that fails early: its error comes out at once, and no timer is left', async () => {
    const broken = new Error('image CDN is down');
    const { result, openAtSettle, watch } = await runDeadline(20, (io) => io.abortableTask('image', { error: broken }), 100);
    if (result.status === 'rejected' && result.settledAtMs === 20 && !(result.reason instanceof DeadlineError)) {
      expectOwnError({ got: result.reason, expected: broken, happened: `The task failed at 20 ms with ${describeError(broken)}`, gave: 'withDeadline rejected with' });
    }
    if (result.reason !== broken) fail(`The task failed at 20 ms with "${broken.message}"; withDeadline must reject with that error at once (status: ${result.status}, ${describeError(result.reason)}).`);
    expect(result.settledAtMs, 'as soon as the task failed').toBe(20);
    expectNothingLeft(openAtSettle, watch, 'The task failed at 20 ms and withDeadline rejected with its error');
  });

  it('a task that throws synchronously, or is done at once: its outcome comes out at once, and nothing is left', async () => {
    for (const shape of QUICK_SHAPES) {
      await judgeQuick(shape, 100);
      vi.useRealTimers();
    }
  });

  it('rejects with DeadlineError at the deadline, not before', async () => {
    useFakeClock();
    const io = new SimulatedIo(500);
    const watch = watchHandles();
    const result = track(withDeadline(io.abortableTask('image'), 100));
    await advance(99);
    if (result.settled) fail(`withDeadline settled after 99 ms with a 100 ms deadline (${result.status}): too early.`, ...earlyDeadline(100, undefined, result));
    await advance(1);
    watch.stop();
    if (result.status === 'pending') {
      const early = clearedEarly(watch, 100, undefined);
      fail('At 100 ms, the deadline, withDeadline was still waiting for a task that takes 500 ms.', io.draw(),
        ...(early.length > 0 ? early : ['Race the task against a timer.']));
    }
    if (!(result.reason instanceof DeadlineError)) {
      const aborted = result.reason instanceof Error && result.reason.name === 'AbortError';
      fail(
        `withDeadline must reject with DeadlineError; it gave ${result.status === 'fulfilled' ? `the value ${String(result.value)}` : describeError(result.reason)}.`,
        ...(aborted
          ? ['The task\'s own AbortError won the race: abort with the DeadlineError as the reason (`controller.abort(error)`), or reject before you abort.']
          : []),
      );
    }
  });

  it('aborts the slow task instead of letting it run on', async () => {
    const { io, result, openAtSettle, watch, abortedAtMs } = await runDeadline(500, (io) => io.abortableTask('image'), 100);
    if (!io.started.includes('image')) fail('withDeadline never called the task.');
    if (!(result.reason instanceof DeadlineError)) {
      fail(
        `At the deadline withDeadline must reject with DeadlineError; it ${result.status === 'pending' ? 'was still pending' : `${result.status === 'fulfilled' ? 'resolved' : `rejected with ${describeError(result.reason)}`} at ${ms(result.settledAtMs ?? 0)}`}.`,
        ...(abortErrorWon(result, 100) ? [ABORT_ERROR_WON] : []),
      );
    }
    const aborted = io.timeline.intervals.find((i) => i.label === 'image');
    if (aborted?.outcome !== 'aborted' || aborted.end !== 100) {
      fail(`The deadline passed at 100 ms, but the task was not stopped then: ${abortStory(100, abortedAtMs)}.`, io.draw(), abortAdvice(abortedAtMs, clearedEarly(watch, 100, result.settledAtMs), 100));
    }
    expectNothingLeft(openAtSettle, watch, 'The deadline fired at 100 ms and withDeadline rejected');
  });

  it('gives up at the deadline even when the task ignores its signal', async () => {
    // This task never looks at its signal: aborting it does not stop it.
    const { io, result, abortedAtMs, watch } = await runDeadline(300, (io) => () => io.call('stubborn', { value: 'late' }), 100);
    if (result.settledAtMs !== 100 || !(result.reason instanceof DeadlineError)) {
      fail(
        `The deadline was 100 ms; the task ignores its signal and takes 300 ms. withDeadline ${result.status === 'pending' ? 'never settled' : `${result.status === 'fulfilled' ? `resolved with "${String(result.value)}"` : `rejected with ${describeError(result.reason)}`} at ${ms(result.settledAtMs ?? 0)}`}.`,
        io.draw(),
        ...lateDeadlineAdvice(100, abortedAtMs, false, watch, result, 300),
      );
    }
  });

  it('leaves no unhandled rejection behind, whichever side loses', async () => {
    useFakeClock();
    const io = new SimulatedIo(500);
    const unhandled = await collectUnhandledRejections(async () => {
      const slow = track(withDeadline(io.abortableTask('slow'), 100));
      const fast = track(withDeadline(io.abortableTask('fast', { latencyMs: 20 }), 100));
      await advance(600);
      stopAtTodo(fast);
      if (slow.status !== 'rejected' || fast.status !== 'fulfilled') {
        const said = (r: Tracked<string>) => (r.status === 'pending' ? 'was still pending' : `${r.status === 'fulfilled' ? 'resolved' : 'rejected'} at ${ms(r.settledAtMs ?? 0)}${r.status === 'rejected' ? ` with ${describeError(r.reason)}` : ''}`);
        fail(
          `Two calls with a 100 ms deadline: with a 500 ms task withDeadline ${said(slow)}; with a 20 ms task it ${said(fast)}.`,
          'The first must reject with DeadlineError at 100 ms, the second resolve at 20 ms.',
          io.draw(),
        );
      }
    });
    if (unhandled.length > 0) {
      fail(
        `${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.map(describeError).join('; ')}.`,
        'A promise you create and then abandon (the deadline, or the aborted task) must still have its rejection handled.',
      );
    }
  });

  it('holds for any latency, deadline and task: settles first of the two, aborts a late task, leaves nothing behind', async () => {
    const deadlineCase = fc
      .record({
        // Most tasks wait on IO; some are done before they ever wait (they throw, reject or resolve at once).
        quick: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...QUICK_SHAPES) }),
        latencyMs: fc.integer({ min: 1, max: 200 }),
        deadlineMs: fc.integer({ min: 1, max: 200 }),
        fails: fc.boolean(),
        listens: fc.boolean(),
      })
      // A tie (task and deadline at the same instant) may go either way: both answers are right.
      .filter((c) => c.quick !== undefined || c.latencyMs !== c.deadlineMs);
    await explore({
      seed: 104,
      cases: deadlineCase,
      describe: (c) =>
        c.quick
          ? `a task that ${describeQuick(c.quick)}; deadline ${c.deadlineMs} ms`
          : `a task of ${c.latencyMs} ms that ${c.fails ? 'fails' : 'succeeds'} and ${c.listens ? 'honours' : 'ignores'} its signal; deadline ${c.deadlineMs} ms`,
      cleanup: realClock,
      check: async (c) => {
        if (c.quick) return judgeQuick(c.quick, c.deadlineMs);
        const boom = new Error('the task failed');
        const options = { value: 'ada', ...(c.fails ? { error: boom } : {}) };
        const { io, result, openAtSettle, watch, unhandled, abortedAtMs } = await runDeadline(
          c.latencyMs,
          (io) => (c.listens ? io.abortableTask('task', options) : () => io.call('task', options)),
          c.deadlineMs,
        );
        const drawing = io.draw();
        const deadlineWins = c.deadlineMs < c.latencyMs;
        const settledAt = `${result.status === 'pending' ? 'never settled' : `${result.status === 'fulfilled' ? `resolved with "${String(result.value)}"` : `rejected with ${describeError(result.reason)}`} at ${ms(result.settledAtMs ?? 0)}`}`;
        if (deadlineWins && (result.settledAtMs !== c.deadlineMs || !(result.reason instanceof DeadlineError))) {
          fail(
            `The deadline was ${ms(c.deadlineMs)}; the task takes ${ms(c.latencyMs)}${c.listens ? '' : ' and ignores its signal'}. withDeadline ${settledAt}; it must reject with DeadlineError at ${ms(c.deadlineMs)}.`,
            drawing,
            ...lateDeadlineAdvice(c.deadlineMs, abortedAtMs, c.listens, watch, result, c.latencyMs),
          );
        }
        if (!deadlineWins) {
          if (c.fails && result.status === 'rejected' && result.settledAtMs === c.latencyMs && !(result.reason instanceof DeadlineError)) {
            expectOwnError({ got: result.reason, expected: boom, happened: `The task failed at ${ms(c.latencyMs)} with ${describeError(boom)}, before the ${ms(c.deadlineMs)} deadline`, gave: 'withDeadline rejected with' });
          }
          const expected = c.fails ? result.reason === boom : result.value === 'ada';
          if (result.settledAtMs !== c.latencyMs || !expected) {
            fail(`The task ${c.fails ? 'failed' : 'succeeded'} at ${ms(c.latencyMs)}, before the ${ms(c.deadlineMs)} deadline; withDeadline ${settledAt}. It must settle as the task did, when it did.`, drawing, ...earlyDeadline(c.deadlineMs, abortedAtMs, result));
          }
        }
        if (deadlineWins && c.listens) {
          const interval = io.timeline.intervals[0];
          if (interval?.outcome !== 'aborted' || interval.end !== c.deadlineMs) {
            fail(`The deadline passed at ${ms(c.deadlineMs)}, but the task ran on: ${abortStory(c.deadlineMs, abortedAtMs)}.`, drawing, abortAdvice(abortedAtMs, clearedEarly(watch, c.deadlineMs, result.settledAtMs), c.deadlineMs));
          }
        }
        expectNothingLeft(openAtSettle, watch, `withDeadline settled at ${ms(result.settledAtMs ?? 0)}`);
        expectNoUnhandled(unhandled, 'withDeadline', io);
      },
    });
  });

  /** One of several withDeadline calls made at once. */
  interface DeadlineCall {
    latencyMs: number;
    deadlineMs: number;
    fails: boolean;
    listens: boolean;
  }
  const describeCall = (c: DeadlineCall, k: number) =>
    `call ${k}: a task of ${ms(c.latencyMs)} that ${c.fails ? 'fails' : 'succeeds'} and ${c.listens ? 'honours' : 'ignores'} its signal, deadline ${ms(c.deadlineMs)}`;
  const callError = (k: number) => new Error(`task ${k} failed`);

  /**
   * Several withDeadline calls started at 0 ms, in list order, on one fake clock. Seen from each task's side:
   * when its signal aborted. Watched: what is left open the moment the last call settles.
   */
  async function runDeadlines(calls: readonly DeadlineCall[]) {
    useFakeClock();
    const io = new SimulatedIo(100);
    const abortedAtMs: (number | undefined)[] = calls.map(() => undefined);
    // The reason each task's signal aborted with: the very DeadlineError another call rejected with names whose deadline it was.
    const abortReasons: unknown[] = calls.map(() => undefined);
    const watch = watchHandles();
    let results: Tracked<string>[] = [];
    let openAtSettle: OpenHandle[] | undefined;
    const unhandled = await collectUnhandledRejections(async () => {
      results = calls.map((c, k) => {
        const options = { latencyMs: c.latencyMs, value: `result ${k}`, ...(c.fails ? { error: callError(k) } : {}) };
        const inner = c.listens ? io.abortableTask(`call ${k}`, options) : () => io.call(`call ${k}`, options);
        const task = (signal: AbortSignal) => {
          signal?.addEventListener(
            'abort',
            () => {
              if (abortedAtMs[k] !== undefined) return;
              abortedAtMs[k] = io.timeline.now();
              abortReasons[k] = signal.reason;
            },
            { once: true },
          );
          return inner(signal);
        };
        return track(withDeadline(task, c.deadlineMs));
      });
      await runUntilIdle(10_000, () => {
        if (results.every((r) => r.settled) && !openAtSettle) openAtSettle = watch.open();
      });
    });
    watch.stop();
    results.forEach(stopAtTodo);
    // Whose deadline aborted each task's signal, when it was another call's: its DeadlineError is the abort reason.
    // (Another call that merely passed the same error on, its task rejecting with its signal's reason, does not count: the owner's
    // deadline is the moment the signal aborted.)
    const abortedBy = abortReasons
      .map((reason, k) =>
        reason instanceof DeadlineError
          ? results.findIndex((r, j) => j !== k && r.reason === reason && calls[j]?.deadlineMs === abortedAtMs[k])
          : -1,
      )
      .map((j) => (j === -1 ? undefined : j));
    return { io, results, abortedAtMs, abortedBy, unhandled, watch, openAtSettle: openAtSettle ?? [] };
  }

  /** What is wrong with call k of a run, in a sentence, or undefined when it did what it should. */
  function wrongWith(c: DeadlineCall, k: number, result: Tracked<string>, abortedAtMs: number | undefined, io: SimulatedIo, abortedBy?: number): string | undefined {
    const did = result.status === 'pending' ? 'never settled' : `${result.status === 'fulfilled' ? `resolved with "${String(result.value)}"` : `rejected with ${describeError(result.reason)}`} at ${ms(result.settledAtMs ?? 0)}`;
    const deadlineWins = c.deadlineMs < c.latencyMs;
    if (deadlineWins && (result.settledAtMs !== c.deadlineMs || !(result.reason instanceof DeadlineError))) {
      const story = abortErrorWon(result, c.deadlineMs) ? 'its signal was aborted on time, but not with the DeadlineError, and the task\'s own AbortError won the race' : abortStory(c.deadlineMs, abortedAtMs);
      return `call ${k}'s deadline was ${ms(c.deadlineMs)} and its task takes ${ms(c.latencyMs)}${c.listens ? '' : ' and ignores its signal'}: withDeadline ${did}; it must reject with DeadlineError at ${ms(c.deadlineMs)} (${story})`;
    }
    if (!deadlineWins && (result.settledAtMs !== c.latencyMs || (c.fails ? (result.reason as Error | undefined)?.message !== callError(k).message : result.value !== `result ${k}`))) {
      const wrapped = c.fails && result.reason instanceof Error && result.reason.cause instanceof Error && result.reason.cause.message === callError(k).message;
      return `call ${k}'s task ${c.fails ? 'failed' : 'succeeded'} at ${ms(c.latencyMs)}, before its ${ms(c.deadlineMs)} deadline: withDeadline ${did}${wrapped ? ', a new error that holds the task\'s error as its cause' : ''}; it must settle as the task did, when it did${wrapped ? ', with the task\'s own error' : ''}`;
    }
    const interval = io.timeline.intervals.find((i) => i.label === `call ${k}`);
    if (deadlineWins && c.listens && (interval?.outcome !== 'aborted' || interval.end !== c.deadlineMs)) {
      return `call ${k}'s deadline passed at ${ms(c.deadlineMs)}, but its task ran on: ${abortStory(c.deadlineMs, abortedAtMs)}`;
    }
    if (abortedAtMs !== undefined && result.settled && abortedAtMs > (result.settledAtMs ?? 0) && abortedBy !== undefined) {
      return `call ${k}'s signal was aborted at ${ms(abortedAtMs)}, after call ${k} had already ${result.status === 'fulfilled' ? 'resolved' : 'rejected'} at ${ms(result.settledAtMs ?? 0)}, by call ${abortedBy}'s deadline: its reason is the very DeadlineError call ${abortedBy} rejected with`;
    }
    if (abortedAtMs !== undefined && result.settled && abortedAtMs > (result.settledAtMs ?? 0)) {
      return `call ${k}'s signal was aborted at ${ms(abortedAtMs)}, after call ${k} had already ${result.status === 'fulfilled' ? 'resolved' : 'rejected'} at ${ms(result.settledAtMs ?? 0)}: a deadline timer fired for a call that was done (its timer was never cleared)`;
    }
    return undefined;
  }

  /**
   * The rule for each call, judged while others run beside it: each settles first of its own task and its
   * own deadline, a late task that listens is aborted at its deadline, no signal is aborted after its call
   * is done, and nothing is left once all have settled. A call that goes wrong is rerun alone: right alone
   * and wrong together means the calls share something each should own.
   */
  async function judgeTogether(calls: readonly DeadlineCall[]): Promise<void> {
    const { io, results, abortedAtMs, abortedBy, unhandled, watch, openAtSettle } = await runDeadlines(calls);
    const setting = `${calls.length} withDeadline calls made at once, at 0 ms, in this order: ${calls.map(describeCall).join('; ')}.`;
    const wrong = calls.map((c, k) => wrongWith(c, k, results[k]!, abortedAtMs[k], io, abortedBy[k])).filter((w): w is string => w !== undefined);
    if (wrong.length > 0) {
      const drawing = io.draw();
      // The baseline, measured now: the same calls, each alone.
      const alone: string[] = [];
      for (const [k, c] of calls.entries()) {
        vi.useRealTimers();
        const solo = await runDeadlines([c]);
        const w = wrongWith(c, 0, solo.results[0]!, solo.abortedAtMs[0], solo.io);
        if (w === undefined && wrongWith(c, k, results[k]!, abortedAtMs[k], io, abortedBy[k]) !== undefined) alone.push(`call ${k}`);
      }
      vi.useRealTimers();
      const victim = abortedBy.findIndex((j) => j !== undefined);
      const culprit = abortedBy[victim];
      fail(
        setting,
        `Together, ${wrong.join('; and ')}.`,
        drawing,
        ...(culprit !== undefined
          ? [
              `Call ${victim}'s signal was aborted at ${ms(abortedAtMs[victim] ?? 0)} with the very DeadlineError that call ${culprit} rejected with: call ${culprit}'s deadline aborted call ${victim}'s task${abortedAtMs[victim] === calls[victim]?.deadlineMs ? '' : `, not call ${victim}'s own deadline (${ms(calls[victim]?.deadlineMs ?? 0)})`}.`,
              '-> the calls share one AbortController (kept outside withDeadline, at module level say), so the first deadline to fire aborts',
              '   every task that uses it. Make the controller a local of withDeadline, one per call beside its timer: `const controller = new AbortController()`.',
            ]
          : alone.length > 0
          ? [
              `Alone (each run just now by itself, same task, same deadline) ${alone.join(' and ')} ${alone.length === 1 ? 'does just what it should' : 'do just what they should'}; only together ${alone.length === 1 ? 'does it' : 'do they'} go wrong:`,
              '-> one call undid another: the calls share something each should own, most often a variable outside withDeadline that the next',
              '   call overwrites. With the timer handle kept there, the first call to finish clears the other\'s timer, and its own runs on.',
              '   Keep the timer and the controller in locals of withDeadline, one of each per call.',
            ]
          : []),
      );
    }
    expectNothingLeft(openAtSettle, watch, `${setting} Once all had settled (the last at ${ms(Math.max(...results.map((r) => r.settledAtMs ?? 0)))})`);
    expectNoUnhandled(unhandled, 'withDeadline', io);
  }

  it('calls that overlap, in either order: each keeps its own deadline and its own timer', async () => {
    const quick: DeadlineCall = { latencyMs: 20, deadlineMs: 100, fails: false, listens: true };
    const stubborn: DeadlineCall = { latencyMs: 1000, deadlineMs: 100, fails: false, listens: false };
    const failing: DeadlineCall = { latencyMs: 30, deadlineMs: 150, fails: true, listens: true };
    for (const calls of [
      [quick, stubborn],
      [stubborn, quick],
      [failing, stubborn, quick],
      [stubborn, failing, quick],
    ]) {
      await judgeTogether(calls);
      vi.useRealTimers();
    }
  });

  it('holds for any calls made at once: each settles first of its task and its deadline, and nothing is left behind', async () => {
    const call = fc
      .record({
        latencyMs: fc.integer({ min: 1, max: 200 }),
        deadlineMs: fc.integer({ min: 1, max: 200 }),
        fails: fc.boolean(),
        listens: fc.boolean(),
      })
      // A tie (task and deadline at the same instant) may go either way: both answers are right.
      .filter((c) => c.latencyMs !== c.deadlineMs);
    await explore({
      seed: 105,
      cases: fc.array(call, { minLength: 2, maxLength: 4 }),
      describe: (calls) => calls.map(describeCall).join('; '),
      cleanup: realClock,
      check: judgeTogether,
    });
  });

  it('leaves nothing behind with real timers either: success, early failure, deadline', async () => {
    // Real time, short: the same rule on Node's own timers (and their ref), on all three ways out.
    const io = new SimulatedIo(5);
    const down = new Error('down');
    const paths: [string, (signal: AbortSignal) => Promise<string>, number, (outcome: unknown) => boolean, string[]?][] = [
      ['The task finished after 5 ms and withDeadline resolved', io.abortableTask('fast'), 500, (o) => o === 'fast done'],
      ['The task failed after 5 ms and withDeadline rejected', io.abortableTask('broken', { error: down }), 500, (o) => o === down],
      ['The 20 ms deadline passed and withDeadline rejected', io.abortableTask('slow', { latencyMs: 2_000 }), 20, (o) => o instanceof DeadlineError],
      ...QUICK_SHAPES.map((shape): (typeof paths)[number] => [
        `The task ${describeQuick(shape)}, and withDeadline settled`,
        quickTask(shape),
        500,
        (o) => o === (shape === 'resolves at once' ? 'cached' : quickError),
        quickAdvice(shape),
      ]),
    ];
    for (const [when, task, deadlineMs, expected, why = []] of paths) {
      const watch = watchHandles();
      const outcome: unknown = await callWithDeadline(task, deadlineMs).catch((error: unknown) => error);
      const open = watch.open();
      // A leaked real timer must not fire later, in another test, and reject a promise there.
      watch.clearOpen();
      watch.stop();
      if (outcome instanceof Error && outcome.message.startsWith('TODO')) throw outcome;
      if (!expected(outcome)) {
        fail(
          `With real timers: ${when.replace(/ and withDeadline .*/, '')}, and withDeadline gave ${outcome instanceof Error ? describeError(outcome) : JSON.stringify(outcome)}.`,
          ...(deadlineMs === 20 ? clearedEarly(watch, 20, undefined) : []),
          ...(outcome instanceof Error && outcome.cause instanceof Error && expected(outcome.cause)
            ? ['-> that is a new error that holds the task\'s error as its cause: a wrapper is another error. Pass on the very error the task failed with, as it is.']
            : []),
          ...(deadlineMs === 20 && outcome instanceof Error && outcome.name === 'AbortError' ? [ABORT_ERROR_WON] : []),
        );
      }
      expectNothingLeft(open, watch, when, ...why);
    }
  });
});
