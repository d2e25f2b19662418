// Exercise 01 tests. Each `describe` is one graded step; fake timers make the timing exact.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SimulatedIo,
  advance,
  collectUnhandledRejections,
  describeError,
  expectJoined,
  expectOrder,
  fail,
  ms,
  pendingTimers,
  ranOneAfterAnother,
  track,
  useFakeClock,
} from '../../checker/harness/index.ts';
import { DeadlineError, loadAll, loadBoth, loadEvery, withDeadline, type Task } from './join.ts';

afterEach(() => {
  vi.useRealTimers();
});

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
      fail('The image failed at 30 ms, but loadBoth had not rejected yet: it should fail fast, as soon as either task fails.');
    }
    expect(result.reason).toBe(broken);
  });

  it('overlaps the waits with real timers too', async () => {
    // Real time, where the lesson is real time: the threshold sits halfway between right (100) and wrong (200).
    const io = new SimulatedIo(100);
    const start = performance.now();
    const values = await loadBoth(io.task('user'), io.task('image'));
    const elapsed = performance.now() - start;
    expect(values).toEqual(['user done', 'image done']);
    if (ranOneAfterAnother(io.timeline.intervals) || elapsed >= 150) {
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

  it('loadAll is ready when the slowest task is (50 ms), not after the sum (150 ms)', async () => {
    useFakeClock();
    const io = new SimulatedIo(50);
    const result = track(loadAll(tasksFor(io)));
    await advance(50);
    await expectJoined(io, result, { expectedMs: 50, labels: latencies.map((_, i) => `task ${i}`), what: 'loadAll' });
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
    await expect(loadAll([])).resolves.toEqual([]);
  });

  it('starts each task exactly once', async () => {
    useFakeClock();
    const io = new SimulatedIo(10);
    const result = track(loadAll(tasksFor(io)));
    await advance(100);
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
    expect(result.reason, 'loadAll must reject with the failing task\'s own error').toBe(boom);
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
    if (result.status === 'pending') fail('loadEvery was still pending at 100 ms, when the slowest task had finished.', io.draw());
    expect(result.value, 'outcomes, in input order').toEqual([
      { ok: true, value: 'ada' },
      { ok: false, error: boom },
      { ok: true, value: 'grace' },
    ]);
  });

  it('loadEvery waits for the slow tasks even after one failed', async () => {
    useFakeClock();
    const io = new SimulatedIo(100);
    const result = track(loadEvery([io.task('broken', { latencyMs: 10, error: boom }), io.task('slow', { latencyMs: 100 })]));
    await advance(99);
    if (result.settled) fail('loadEvery settled before the slow task finished: it must wait for every outcome.');
    await advance(1);
    expect(result.status).toBe('fulfilled');
    if (!ranOneAfterAnother(io.timeline.intervals)) return;
    fail('loadEvery ran the tasks one after the other.', io.draw(), 'Start them all, then wait for all of them.');
  });
});

describe('step 4: a deadline that cleans up after itself', () => {
  it('resolves with the result of a fast task and clears its timer', async () => {
    useFakeClock();
    const io = new SimulatedIo(50);
    const result = track(withDeadline(io.abortableTask('user', { value: 'ada' }), 100));
    await advance(50);
    expect(result.value, 'withDeadline must resolve with the task result').toBe('ada');
    const left = pendingTimers();
    if (left > 0) {
      fail(
        `The task finished at 50 ms but ${left} timer(s) were still scheduled: the deadline timer leaked.`,
        'In a server that handles thousands of requests, each leaked timer keeps memory (and the process) alive.',
        'Clear the timer when the task wins (clearTimeout in a finally block).',
      );
    }
  });

  it('rejects with DeadlineError at the deadline, not before', async () => {
    useFakeClock();
    const io = new SimulatedIo(500);
    const result = track(withDeadline(io.abortableTask('image'), 100));
    await advance(99);
    if (result.settled) fail(`withDeadline settled after 99 ms with a 100 ms deadline (${result.status}): too early.`);
    await advance(1);
    if (result.status === 'pending') {
      fail('At 100 ms, the deadline, withDeadline was still waiting for a task that takes 500 ms.', io.draw(),
        'Race the task against a timer.');
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
    useFakeClock();
    const io = new SimulatedIo(500);
    const result = track(withDeadline(io.abortableTask('image'), 100));
    await advance(100);
    if (!io.started.includes('image')) fail('withDeadline never called the task.');
    if (!(result.reason instanceof DeadlineError)) fail(`At the deadline withDeadline must reject with DeadlineError (status: ${result.status}).`);
    if (io.pending > 0) {
      fail(
        'The deadline passed, but the task was still running: nobody aborted its signal.',
        io.draw(),
        'Pass an AbortSignal to the task and abort it when the deadline fires.',
      );
    }
    expect(pendingTimers(), 'no timer should be left once withDeadline has settled').toBe(0);
  });

  it('leaves no unhandled rejection behind, whichever side loses', async () => {
    useFakeClock();
    const io = new SimulatedIo(500);
    const unhandled = await collectUnhandledRejections(async () => {
      const slow = track(withDeadline(io.abortableTask('slow'), 100));
      const fast = track(withDeadline(io.abortableTask('fast', { latencyMs: 20 }), 100));
      await advance(600);
      expect([slow.status, fast.status]).toEqual(['rejected', 'fulfilled']);
    });
    if (unhandled.length > 0) {
      fail(
        `${unhandled.length} promise(s) rejected with nobody listening: ${unhandled.map(describeError).join('; ')}.`,
        'A promise you create and then abandon (the deadline, or the aborted task) must still have its rejection handled.',
      );
    }
  });
});
