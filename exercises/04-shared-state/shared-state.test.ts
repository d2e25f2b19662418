// Exercise 04 tests. Each `describe` is one graded step. Step 1 runs on fake timers (exact, instant);
// steps 2 and 3 run real worker threads, and judge them by exact contents and by what the threads did
// (which Atomics calls, when), not by how fast this machine happens to be.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { threadId } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  GATED_LABEL,
  GatedPool,
  RESULT_LABEL,
  InFlightCounter,
  ThreadProbe,
  Timeline,
  advance,
  describeError,
  describeRace,
  drawWork,
  epochNow,
  fail,
  flushMicrotasks,
  judgeRace,
  listAtomics,
  listenToWork,
  ms,
  readModifyWrites,
  skipFor,
  startEventLoopProbe,
  track,
  useFakeClock,
  waitForSignal,
  wallClock,
  watchWorkers,
  type ProbeOutcome,
  type StepReport,
  type WorkSpan,
} from '../../checker/harness/index.ts';
import { workerUrl } from '../../checker/running/target.ts';
import { Job, addOnThreads, echo, fromMessage, invertOnThread, toMessage } from './crossing.ts';
import { Mutex, deposit, type Account, type MutexGuard } from './mutex.ts';
// Step 1's own harness pieces, imported apart so the other steps' import list stays as it is.
import { CriticalSectionMonitor, explore, fc, monitorMutex, runUntilIdle, type Violation } from '../../checker/harness/index.ts';
import { AtomicsMutex, LENGTH, LOCK, SLOTS, SharedVec, StartGate, fillFromThreads, valueFor } from './shared-vec.ts';
// Step 3's contention arena, imported apart so the other steps' import lists stay as they are.
import { ArenaThreads, LockArena } from '../../checker/harness/threads/lock-arena.ts';
import { PlayedThread, type PlayOutcome, type PlaySession } from '../../checker/harness/threads/played-thread.ts';
// What lockAsync() schedules while it waits (timers, Atomics calls), counted in its own async context.
import { scheduledBy } from '../../checker/harness/index.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/**
 * One balance in slow storage. Each task gets its own view (`bank.view('task 7')`), so the bank can
 * see who is between their read and their write, and draw it.
 */
class SlowBank {
  balance = 0;
  readonly timeline = new Timeline();
  /** Tasks between their read and their write right now, and the most at once. */
  readonly between = new InFlightCounter();
  writes = 0;
  /** Writes that overwrote a balance which had changed since that task read it: lost updates. */
  staleWrites = 0;

  constructor(
    readonly latencyMs = 1,
    /** Make the n-th write (1-based) fail. */
    readonly failingWrite?: number,
  ) {}

  view(label: string): Account {
    let end: ((outcome?: 'ok' | 'failed') => void) | undefined;
    let seen: number | undefined;
    const wait = () => new Promise<void>((resolve) => setTimeout(resolve, this.latencyMs));
    return {
      read: async () => {
        this.between.enter();
        end = this.timeline.begin(label);
        await wait();
        seen = this.balance;
        return seen;
      },
      write: async (balance: number) => {
        await wait();
        this.writes++;
        const failing = this.writes === this.failingWrite;
        if (!failing && seen !== this.balance) this.staleWrites++;
        if (!failing) this.balance = balance;
        this.between.exit();
        end?.(failing ? 'failed' : 'ok');
        if (failing) throw new Error(`storage unavailable (write #${this.writes})`);
      },
    };
  }

  draw(): string {
    return this.timeline.draw({ maxRows: 6 });
  }
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * After the last guard was released, `mutex.locked` read true: does it turn false by itself a few microtasks later
 * (a release that takes effect late), and after how many turns? undefined: it stays true.
 */
async function lockedTurnsLate(mutex: Mutex, rounds = 50): Promise<number | undefined> {
  for (let turn = 1; turn <= rounds; turn++) {
    await Promise.resolve();
    if (!mutex.locked) return turn;
  }
  return undefined;
}

/** The message for `mutex.locked` still true right after every guard was released. */
function lockedAfterRelease(when: string, lateBy: number | undefined, otherwise: string[]): never {
  if (lateBy !== undefined) {
    fail(
      `${when}, mutex.locked still read true, though no task held the lock any more; it turned false only ${lateBy} microtask turn(s) later.`,
      '-> `locked` says whether a task holds the lock right now: the release must take effect when release() is called, not on a later turn',
      '   (something between release() and your bookkeeping is asynchronous: a library queue, an await, a .then()). Keep the state yourself and change it in release().',
    );
  }
  fail(...otherwise);
}

describe('step 1: one thread, many tasks: an async mutex', () => {
  /** What a broken Mutex did wrong, from the order in which the critical-section monitor saw it break. */
  function mutexAdvice(violations: readonly Violation[]): string[] {
    const barged = violations.find((v) => v.rule === 'out of order');
    const together = violations.find((v) => v.rule === 'two inside');
    const walkedIn = violations[0];
    if (walkedIn?.rule === 'two inside' && walkedIn.releasesSinceAsked === 0) {
      return [
        `-> that task never waited: nobody let go of the lock between its lock() call and its getting in (${walkedIn.text}).`,
        '   lock() let it in while the mutex was taken. Either lock() does not look at whether it is locked, or it looks and marks it locked in',
        '   two steps with an await between them: every task that asks in that gap sees it free too, and walks in. Look and mark locked in one',
        '   synchronous step (no await in between), and put every other caller in the queue.',
      ];
    }
    if (barged && (!together || barged.atMs <= together.atMs)) {
      return [
        '-> a newcomer barged past a waiting task: the lock was free for a moment between the release and the wake-up, and',
        '   whoever asked in that moment walked in.' + (together ? ' Then the woken waiter walked in too: two inside.' : ''),
        '   With waiters queued, release() hands the lock straight to the oldest one and leaves it locked (no free moment).',
      ];
    }
    if (together) {
      return [
        '-> release() let more than one waiting task in. Wake exactly one: the oldest, and only when the lock is released.',
      ];
    }
    return [];
  }

  const amounts = Array.from({ length: 100 }, (_, i) => i + 1); // 1 + 2 + ... + 100 = 5050

  /**
   * Counts lock() calls on the mutex the deposits are given and on every other Mutex object, while they run:
   * a deposit that locks a `new Mutex()` of its own locks *a* mutex, just not the shared one. Install it before
   * monitorMutex(), so that the given mutex's calls pass through it too.
   */
  function watchLockCalls(given: Mutex) {
    const proto = Mutex.prototype as unknown as Record<string, unknown>;
    const hadOwn = Object.prototype.hasOwnProperty.call(proto, 'lock');
    const original = proto.lock;
    const seen = { given: 0, other: 0, others: new Set<object>() };
    if (typeof original === 'function') {
      proto.lock = function (this: object, ...args: unknown[]) {
        if (this === given) seen.given++;
        else {
          seen.other++;
          seen.others.add(this);
        }
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      };
    }
    return {
      seen,
      restore() {
        if (typeof original !== 'function') return;
        if (hadOwn) proto.lock = original;
        else delete proto.lock;
      },
    };
  }

  /** The message for deposits that locked other Mutex objects and never the one they were given; [] when they did not. */
  function ownMutexAdvice(seen: ReturnType<typeof watchLockCalls>['seen'], deposits: number, peak: number): string[] {
    if (seen.given > 0 || seen.other === 0) return [];
    return [
      `deposit() locked a mutex, but not the one it was given: over ${deposits} deposits, the mutex passed in (the third argument) was locked 0 times, while lock() was called ${seen.other} time(s) on ${seen.others.size} other Mutex object(s).`,
      seen.others.size > 1
        ? `-> a \`new Mutex()\` made inside deposit() is a fresh lock for every call: each deposit holds a lock that nobody else ever asks for, so the deposits never keep each other out (up to ${peak} tasks were between their read and their write at once).`
        : `-> a lock that the other deposits do not ask for keeps nobody out (up to ${peak} tasks were between their read and their write at once).`,
      '   The lock that excludes them is the one they share, the one each deposit is handed: `await using _guard = await mutex.lock();`.',
    ];
  }

  it('100 concurrent deposits keep every update: the balance is exactly 5050', async () => {
    useFakeClock();
    const bank = new SlowBank();
    const mutex = new Mutex();
    // Watch the mutex from outside while deposit uses it: who held it, and when; and which other mutexes got locked.
    const lockCalls = watchLockCalls(mutex);
    const monitor = new CriticalSectionMonitor();
    const unwatch = monitorMutex(mutex, monitor, (n) => `task ${n}`);
    let all: ReturnType<typeof track<void[]>>;
    try {
      all = track(Promise.all(amounts.map((amount, i) => deposit(bank.view(`task ${i + 1}`), amount, mutex))));
      await advance(amounts.length * 2 * bank.latencyMs + 10);
    } finally {
      unwatch();
      lockCalls.restore();
    }
    if (all.status === 'rejected') fail(`deposit rejected: ${describeError(all.reason)}`);
    if (all.status === 'pending') {
      fail(
        `${amounts.length} deposits of 2 ms each (read, write) should all be done after ${amounts.length * 2} ms; some were still waiting.`,
        'Does every deposit release the lock when it is done?',
      );
    }
    const together = monitor.first('two inside');
    if (bank.balance !== sum(amounts) && together) {
      fail(
        `${amounts.length} deposits adding up to ${sum(amounts)} left a balance of ${bank.balance}: updates were lost, and not because of deposit.`,
        `deposit took the mutex, but the Mutex let up to ${monitor.peak} tasks hold it at the same time: ${together.text}.`,
        monitor.draw(6),
        ...mutexAdvice(monitor.violations),
      );
    }
    const ownMutex = ownMutexAdvice(lockCalls.seen, amounts.length, bank.between.peak);
    if (bank.balance !== sum(amounts) && ownMutex.length > 0) {
      fail(
        `${amounts.length} deposits adding up to ${sum(amounts)} left a balance of ${bank.balance}: updates were lost.`,
        ...ownMutex,
        bank.draw(),
      );
    }
    if (bank.balance !== sum(amounts)) {
      fail(
        `${amounts.length} deposits adding up to ${sum(amounts)} left a balance of ${bank.balance}: updates were lost.`,
        `${bank.staleWrites} of the ${bank.writes} writes overwrote a balance that had changed since that task read it.`,
        `Up to ${bank.between.peak} tasks were between their read and their write at the same time:`,
        bank.draw(),
        '-> each task read the balance, then awaited, and while it waited the others read the *same* old balance;',
        '   the last write wins and every other deposit is gone. One thread, no parallelism, and still a race:',
        '   every await is a point where other tasks run. Hold the mutex from before the read until after the write.',
      );
    }
  });

  it('only one task at a time is between its read and its write', async () => {
    useFakeClock();
    const bank = new SlowBank();
    const mutex = new Mutex();
    // Checked at every read and every write: is the mutex this deposit was given held right then?
    const unheld: string[] = [];
    const accesses = { count: 0 };
    // Who holds the mutex, seen from outside; and, at the moment each write ends, whether its task still held it.
    const lockCalls = watchLockCalls(mutex);
    const monitor = new CriticalSectionMonitor();
    const unwatch = monitorMutex(mutex, monitor, (n) => `task ${n}`);
    const releasedMidWrite: string[] = [];
    const watched = (label: string): Account => {
      const account = bank.view(label);
      const check = (what: string) => {
        accesses.count++;
        if (!mutex.locked) unheld.push(`${label} ${what}`);
      };
      return {
        read: () => (check('read'), account.read()),
        write: (balance) => {
          check('wrote');
          const written = account.write(balance);
          // Registered before deposit() can await it: for an awaited write this runs while its task still holds the lock.
          const done = () => {
            if (!monitor.holding.includes(label)) releasedMidWrite.push(label);
          };
          written.then(done, done);
          return written;
        },
      };
    };
    let all: ReturnType<typeof track<void[]>>;
    try {
      all = track(Promise.all(amounts.slice(0, 10).map((amount, i) => deposit(watched(`task ${i + 1}`), amount, mutex))));
      await advance(100);
    } finally {
      unwatch();
      lockCalls.restore();
    }
    if (all.status === 'rejected') fail(`deposit rejected: ${describeError(all.reason)}`);
    expect(all.status, 'all 10 deposits should be done after 100 ms').toBe('fulfilled');
    if (unheld.length > 0 && bank.between.peak === 1) {
      fail(
        `One at a time, yet not under the mutex each deposit() was given: at ${unheld.length} of the ${accesses.count} reads and writes, that mutex was not locked (${unheld.slice(0, 3).join(', ')}${unheld.length > 3 ? ', …' : ''}).`,
        '-> deposit() kept the others out with some other lock. A lock of its own, kept at module level, is shared by every account in the program: deposits',
        '   to different accounts wait for each other, and whoever locks this account\'s mutex is not kept out. Lock the mutex you are given',
        '   (the third argument): `await using _guard = await mutex.lock();`.',
      );
    }
    if (unheld.length === 0 && releasedMidWrite.length > 0) {
      fail(
        `A deposit's write was still under way when its task let go of the lock (${releasedMidWrite.slice(0, 3).join(', ')}${releasedMidWrite.length > 3 ? ', …' : ''}): deposit() did not wait for the write`,
        `before the lock was released, so the next task began its read before that write had landed: up to ${bank.between.peak} tasks were between their read and their write at once.`,
        bank.draw(),
        '-> `await account.write(...)` inside the critical section. A write that is started and not awaited (`void account.write(...)`), or',
        '   returned without `await` from inside an `await using` block (the guard is disposed at the return), lets go of the lock mid-write.',
      );
    }
    const ownMutex = ownMutexAdvice(lockCalls.seen, 10, bank.between.peak);
    if (bank.between.peak !== 1 && ownMutex.length > 0) fail(...ownMutex, bank.draw());
    if (bank.between.peak !== 1) {
      fail(
        unheld.length > 0
          ? `${bank.between.peak} tasks were inside the read-modify-write at once, and at ${unheld.length} of the ${accesses.count} reads and writes the mutex deposit() was given was not even locked: hold it from before the read until after the write.`
          : `${bank.between.peak} tasks were inside the read-modify-write at once; the mutex must let exactly one in.`,
        bank.draw(),
      );
    }
  });

  it('lock() on a free mutex resolves at once; a second lock() waits for release()', async () => {
    useFakeClock();
    const mutex = new Mutex();
    const first = track(mutex.lock());
    await flushMicrotasks();
    if (first.status !== 'fulfilled') fail(`lock() on a free mutex did not resolve without time passing (status: ${first.status}).`);
    expect(mutex.locked, 'mutex.locked while a guard is held').toBe(true);
    const second = track(mutex.lock());
    await flushMicrotasks();
    if (second.settled) fail('A second lock() resolved while the first guard was still held: two holders at once.');
    first.value?.release();
    await flushMicrotasks();
    if (second.status !== 'fulfilled') {
      fail('release() did not hand the lock to the task waiting in lock(): it is still waiting.', 'Wake the next waiter when the lock is released.');
    }
    second.value?.release();
    if (mutex.locked) {
      lockedAfterRelease('Right after every guard was released', await lockedTurnsLate(mutex), [
        'After every guard was released, mutex.locked still read true (and stayed so): the last release() left the lock locked, with nobody waiting.',
        '-> when release() finds no waiter, mark the lock free.',
      ]);
    }
  });

  it('waiters are served in the order they asked (FIFO)', async () => {
    const mutex = new Mutex();
    const held = await mutex.lock();
    const served: number[] = [];
    const waiters = [1, 2, 3, 4, 5].map((n) =>
      mutex.lock().then((guard) => {
        served.push(n);
        guard.release();
      }),
    );
    held.release();
    await Promise.all(waiters);
    if (served.join() !== '1,2,3,4,5') {
      fail(
        `Five tasks asked for the lock in the order 1,2,3,4,5 and got it in the order ${served.join(',')}.`,
        'Keep waiters in a queue: push at the back, wake from the front.',
      );
    }
  });

  it('the guard works with `using` and `await using`: the lock is released when the block ends, even by a throw', async () => {
    const mutex = new Mutex();
    {
      await using _guard = await mutex.lock();
      expect(mutex.locked, 'inside an `await using` block').toBe(true);
    }
    if (mutex.locked) {
      lockedAfterRelease('Right after an `await using guard = await mutex.lock()` block ended', await lockedTurnsLate(mutex), [
        'After an `await using guard = await mutex.lock()` block ended, the mutex was still locked.',
        'The guard needs a [Symbol.asyncDispose]() that releases it.',
      ]);
    }
    try {
      using _guard = await mutex.lock();
      throw new Error('critical section failed');
    } catch {
      // expected
    }
    if (mutex.locked) {
      lockedAfterRelease('Right after a `using` block that threw', await lockedTurnsLate(mutex), [
        'After a `using` block that threw, the mutex was still locked.',
        'The guard needs a [Symbol.dispose]() that releases it.',
      ]);
    }
  });

  it('a guard releases once: a second release() must not unlock the next holder', async () => {
    const mutex = new Mutex();
    const first = await mutex.lock();
    const second = mutex.lock();
    first.release();
    const secondGuard = await second;
    first.release(); // a stale, repeated release
    const third = track(mutex.lock());
    await flushMicrotasks();
    if (third.settled) {
      fail(
        'Releasing the first guard a second time unlocked the mutex while the second task still held it: a third task got in.',
        'Make release() do nothing the second time (remember that this guard was released).',
      );
    }
    secondGuard.release();
    await flushMicrotasks();
    expect(third.status).toBe('fulfilled');
  });

  it('a guard released by hand inside a `using` block is not released again when the block ends', async () => {
    for (const ending of ['using', 'await using'] as const) {
      const mutex = new Mutex();
      let next: ReturnType<typeof track<MutexGuard>>;
      if (ending === 'using') {
        using guard = await mutex.lock();
        next = track(mutex.lock()); // B waits
        guard.release(); // an early release, by hand: B holds the lock now
        await flushMicrotasks();
      } else {
        await using guard = await mutex.lock();
        next = track(mutex.lock());
        guard.release();
        await flushMicrotasks();
      }
      // The block has ended: its [Symbol.${ending === 'using' ? 'dispose' : 'asyncDispose'}]() ran on a guard already released.
      const late = track(mutex.lock()); // C asks while B holds the lock
      await flushMicrotasks();
      if (next.status !== 'fulfilled') fail(`A released its guard by hand inside a \`${ending}\` block, with B waiting; B did not get the lock (B: ${next.status}).`);
      if (late.settled || !mutex.locked) {
        fail(
          `A released its guard by hand inside a \`${ending}\` block and B got the lock; when A's block ended, the guard was released a second time:`,
          late.settled
            ? 'it unlocked the mutex while B still held it, and C, who asked next, got in too: two holders at once.'
            : 'it unlocked the mutex while B still held it: mutex.locked reads false, and whoever asks next walks in beside B.',
          `-> [Symbol.${ending === 'using' ? 'dispose' : 'asyncDispose'}]() must go through release(), so that the guard's "released" flag covers every way of letting go, not only release().`,
        );
      }
      next.value?.release();
      await flushMicrotasks();
      late.value?.release();
    }
  });

  it('when the critical section throws, the lock is released and the other deposits go on', async () => {
    useFakeClock();
    const bank = new SlowBank(1, 3); // the third write fails
    const mutex = new Mutex();
    const results = amounts.slice(0, 10).map((amount, i) => track(deposit(bank.view(`task ${i + 1}`), amount, mutex)));
    await advance(100);
    const rejected = results.filter((r) => r.status === 'rejected').length;
    const unexpected = results.find((r) => r.status === 'rejected' && !describeError(r.reason).includes('storage unavailable'));
    if (unexpected) fail(`deposit rejected with ${describeError(unexpected.reason)}; only the failing write's own error should come out.`);
    const waiting = results.filter((r) => r.status === 'pending').length;
    if (waiting > 0) {
      fail(
        `One deposit failed inside its critical section, and ${waiting} of the other deposits were still waiting for the lock 100 ms later (each takes 2 ms).`,
        bank.draw(),
        '-> the lock was never released after the throw. Release it in a `finally` block, or hold it with',
        '   `await using guard = await mutex.lock()`, which releases on every way out of the block.',
      );
    }
    if (rejected !== 1) {
      fail(
        `The third write failed (storage unavailable), and ${rejected} of the 10 deposits rejected: ${rejected === 0 ? 'the failure never reached its caller' : 'only the deposit whose write failed should'}.`,
        rejected === 0
          ? '-> the deposit whose write failed resolved as if all went well: await the write inside deposit(), so its error rejects deposit() (and the lock is released on the way out).'
          : '-> one failed write must fail its own deposit only: the lock is released, and the others go on.',
      );
    }
    const expected = sum(amounts.slice(0, 10)) - (amounts[2] ?? 0);
    if (bank.balance !== expected) {
      fail(
        `The third write failed (storage unavailable) and the other 9 deposits finished, but the balance is ${bank.balance}, not ${expected} (what the 9 that did not fail add up to).`,
        bank.draw(),
        bank.between.peak > 1
          ? `-> updates were lost: up to ${bank.between.peak} tasks were between their read and their write at once. Hold the lock from before the read until after the write, in every deposit.`
          : '-> each deposit that did not fail adds its amount exactly once, and the one whose write failed adds nothing.',
      );
    }
  });

  it('release wakes one waiter, not all of them', async () => {
    const mutex = new Mutex();
    const monitor = new CriticalSectionMonitor(() => 0);
    const held = await mutex.lock();
    const holder = monitor.ask('A');
    holder.granted();
    const waiters = ['B', 'C', 'D'].map((label) => {
      const ticket = monitor.ask(label);
      return track(mutex.lock().then((guard) => (ticket.granted(), guard)));
    });
    await flushMicrotasks();
    const waitingBefore = mutex.waiting;
    holder.released();
    held.release();
    await flushMicrotasks();
    const inside = waiters.filter((w) => w.status === 'fulfilled').length;
    if (inside !== 1) {
      fail(
        `A released the lock with B, C and D waiting; ${inside === 0 ? 'none of them got it' : `${inside} of them got it at once: ${monitor.grants.slice(1).join(', ')}`}.`,
        ...(inside === 0 ? ['Wake the oldest waiter when the lock is released.'] : mutexAdvice(monitor.violations)),
      );
    }
    const waitingAfter = mutex.waiting;
    if (waitingAfter !== 2) {
      fail(
        `A held the lock with B, C and D waiting: mutex.waiting read ${waitingBefore}. A released it and B got it, so only C and D were still waiting, but mutex.waiting read ${waitingAfter}, not 2.`,
        waitingAfter > 2 && waitingBefore === 3
          ? `-> the count went up when B queued and did not go down when B was handed the lock: a task that gets the lock is no longer waiting. Let \`waiting\` report the queue as it is now (\`return this.#waiters.length\`), or take one off the count where the lock is handed to the next waiter.`
          : '-> `waiting` counts the tasks queued for the lock right now: one more for each lock() that has to wait, one fewer each time a waiter is handed the lock. Reporting the queue\'s length (`return this.#waiters.length`) keeps it true.',
      );
    }
  });

  it('a task that asks right after a release queues behind the tasks already waiting: nobody barges in', async () => {
    const mutex = new Mutex();
    const monitor = new CriticalSectionMonitor(() => 0);
    const a = monitor.ask('A');
    const first = await mutex.lock();
    a.granted();
    const b = monitor.ask('B');
    const waiting = track(mutex.lock().then((guard) => (b.granted(), guard)));
    await flushMicrotasks();
    // A lets go, and in the same breath C asks: the lock is B's, who has been waiting.
    a.released();
    first.release();
    const c = monitor.ask('C');
    const late = track(mutex.lock().then((guard) => (c.granted(), guard)));
    await flushMicrotasks();
    if (monitor.violations.length > 0) {
      fail(
        `A held the lock, B was waiting; A released it and C asked right after. They were served ${monitor.grants.join(', ')}${monitor.peak > 1 ? `, with ${monitor.peak} inside at once` : ''}.`,
        ...monitor.violations.map((v) => `  ${v.text}.`),
        ...mutexAdvice(monitor.violations),
      );
    }
    if (waiting.status !== 'fulfilled' || late.settled) fail(`After A released, B (waiting) should hold the lock and C wait; B: ${waiting.status}, C: ${late.status}.`);
    b.released();
    waiting.value?.release();
    await flushMicrotasks();
    expect(late.status, 'then C gets it').toBe('fulfilled');
    late.value?.release();
  });

  it('holds for any arrivals, hold times and re-locks: never two inside, always first come first served', async () => {
    // Every way of letting go, and every way of letting go twice: a stale second release (by hand, or the
    // end of a `using` block after an early release()) must change nothing.
    const release = fc.constantFrom(
      'release()',
      'Symbol.dispose',
      'Symbol.asyncDispose',
      'release() twice',
      'release(), then Symbol.dispose',
      'release(), then Symbol.asyncDispose',
      'Symbol.dispose, then release()',
      'Symbol.asyncDispose, then release()',
    );
    const task = fc.record({
      arriveAtMs: fc.integer({ min: 0, max: 6 }),
      rounds: fc.integer({ min: 1, max: 3 }),
      holdMs: fc.integer({ min: 0, max: 4 }),
      // 0: ask again in the same breath as the release (a loop does exactly that).
      gapMs: fc.integer({ min: 0, max: 2 }),
      release,
    });
    await explore({
      seed: 401,
      cases: fc.array(task, { minLength: 2, maxLength: 5 }),
      describe: (tasks) =>
        tasks
          .map((t, i) => `${String.fromCharCode(65 + i)}: arrives at ${t.arriveAtMs} ms, ${t.rounds} round(s) of ${t.holdMs} ms, ${t.gapMs === 0 ? 'asks again at once' : `${t.gapMs} ms between rounds`}, ${t.release}`)
          .join('; '),
      cleanup: () => vi.useRealTimers(),
      check: async (tasks) => {
        useFakeClock();
        const mutex = new Mutex();
        const monitor = new CriticalSectionMonitor();
        const sleep = (msToWait: number) => new Promise<void>((resolve) => setTimeout(resolve, msToWait));
        const finished: string[] = [];
        const letGo = async (guard: MutexGuard, how: string) => {
          if (how === 'Symbol.dispose') guard[Symbol.dispose]();
          else if (how === 'Symbol.asyncDispose') await guard[Symbol.asyncDispose]();
          else guard.release();
        };
        /** The first way of letting go, and the stale second one (if any). */
        const waysOf = (how: string): [string, string | undefined] =>
          how === 'release() twice' ? ['release()', 'release()'] : (how.split(', then ') as [string, string | undefined]);
        const later: { guard: MutexGuard; how: string }[] = [];
        const runs = tasks.map(async (t, i) => {
          const name = String.fromCharCode(65 + i);
          if (t.arriveAtMs > 0) await sleep(t.arriveAtMs);
          for (let round = 1; round <= t.rounds; round++) {
            const ticket = monitor.ask(`${name}${round}`);
            const guard = await mutex.lock();
            ticket.granted();
            if (t.holdMs > 0) await sleep(t.holdMs);
            ticket.released();
            const [first, again] = waysOf(t.release);
            await letGo(guard, first);
            if (again) later.push({ guard, how: again });
            if (t.gapMs > 0) await sleep(t.gapMs);
          }
          finished.push(name);
        });
        let countsWrong: string | undefined;
        await runUntilIdle(10_000, () => {
          // A stale guard released again, later: it must change nothing.
          for (const { guard, how } of later.splice(0)) void letGo(guard, how);
          if (countsWrong) return;
          const expectedWaiting = monitor.stillWaiting.length;
          const expectedLocked = monitor.holding.length > 0;
          if (mutex.waiting !== expectedWaiting || mutex.locked !== expectedLocked) {
            countsWrong = `At ${ms(monitor.timeline.now())}, ${monitor.holding.length === 0 ? 'nobody' : monitor.holding.join(' and ')} held the lock and ${expectedWaiting} task(s) waited, but mutex.locked was ${String(mutex.locked)} and mutex.waiting ${mutex.waiting}.`;
          }
        });
        void Promise.allSettled(runs);
        const drawing = monitor.draw(14);
        const broken = monitor.first('two inside') ?? monitor.first('out of order');
        if (broken) {
          fail(
            `${broken.rule === 'two inside' ? 'Two tasks held the lock at once' : 'A task got the lock before one that had been waiting longer'}: ${broken.text}.`,
            `Asked in the order ${monitor.asked.join(', ')}; served ${monitor.grants.join(', ')}.`,
            drawing,
            ...mutexAdvice(monitor.violations),
          );
        }
        const stuck = tasks.map((_, i) => String.fromCharCode(65 + i)).filter((name) => !finished.includes(name));
        if (stuck.length > 0) {
          fail(`${stuck.join(', ')} never finished: ${monitor.stillWaiting.join(', ') || 'nobody'} still waiting for the lock, ${monitor.holding.join(', ') || 'nobody'} holding it.`, drawing, 'Every release must hand the lock on (or free it) so the next waiter gets in.');
        }
        if (countsWrong) fail(countsWrong, drawing, '`locked` is true exactly while a guard is held; `waiting` counts the tasks still queued in lock().');
        if (mutex.locked || mutex.waiting !== 0) fail(`Every task was done, yet mutex.locked is ${String(mutex.locked)} and mutex.waiting ${mutex.waiting}.`, drawing);
      },
    });
  });
});

describe('step 2: what crosses a thread', () => {
  // The test's own pool on crossing.worker.ts: it gives the worker the same tasks, and can line the
  // next tasks up at a start gate in their threads so that they begin at the same instant (a race).
  let pool: GatedPool;
  const work = listenToWork();
  beforeAll(async () => {
    pool = new GatedPool(workerUrl(new URL('./crossing.worker.ts', import.meta.url)), 2);
    // Warm both threads up (a cold TypeScript worker takes ~200 ms); failures show up in the tests.
    await Promise.allSettled([1, 2].map(() => pool.run({ kind: 'echo', value: 0 })));
  });
  afterAll(async () => {
    work.close();
    await pool.destroy();
  });

  it('plain data is copied: equal on the other thread, but a different object', async () => {
    const order = { id: 7, tags: ['urgent'], placedAt: new Date(0), sizes: new Map([['small', 2]]) };
    const reply = await echo(pool, order);
    if (reply.threadId === threadId) fail(`echo() ran on the main thread (threadId ${threadId}): it must go through the pool.`);
    expect(reply.value, 'the worker received an equal copy (Date and Map survive a structured clone)').toEqual(order);
    if (reply.value === order) fail('echo() gave back the very same object: nothing crossed a thread.');
    expect(reply.constructorName, 'a plain object is still a plain object on the other side').toBe('Object');
    order.tags.push('changed after sending');
    expect(reply.value, 'changing the original afterwards does not touch the copy').not.toEqual(order);
  });

  it('class identity does not cross: a Job arrives as plain data; toMessage/fromMessage carry it over', async () => {
    const job = new Job(1, 640, 480);
    const raw = await echo(pool, job);
    expect(raw.constructorName, 'on the worker, the Job has lost its class').toBe('Object');
    expect(raw.value instanceof Job, 'what comes back is not a Job either').toBe(false);
    const message = toMessage(job);
    if (Object.getPrototypeOf(message) !== Object.prototype) {
      fail(`toMessage() returned a ${String((message as object).constructor?.name)}: it must return plain data (an object literal).`);
    }
    const rebuilt = fromMessage((await echo(pool, message)).value as typeof message);
    if (!(rebuilt instanceof Job)) fail('fromMessage() must rebuild a real Job (with `new Job(...)`), so its methods work again.');
    expect(rebuilt.area(), 'the rebuilt job').toBe(640 * 480);
    expect(rebuilt.id).toBe(1);
  });

  it("a function cannot cross: DataCloneError, Node's E0277 at run time", async () => {
    const result = await echo(pool, { id: 1, onDone: () => undefined }).then(
      (reply) => ({ ok: true as const, reply }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    if (result.ok) {
      fail(
        `Sending an object with a function resolved (${JSON.stringify(result.reply)}): the function must not get through.`,
        'Let the DataCloneError from postMessage reject echo(); do not catch it or strip the function silently.',
      );
    }
    const name = result.error instanceof Error || result.error instanceof DOMException ? result.error.name : String(result.error);
    expect(name, `echo() rejected with ${describeError(result.error)}`).toBe('DataCloneError');
  });

  it('an ArrayBuffer can be moved: the worker gets it, and the sender is left with nothing', async () => {
    const size = 256 * 1024;
    const pixels = new Uint8Array(size).map((_, i) => i % 251);
    const since = wallClock();
    const inverted = await invertOnThread(pool, pixels);
    expect(inverted.length, 'the inverted image comes back whole').toBe(size);
    const wrong = inverted.findIndex((value, i) => value !== 255 - (i % 251));
    if (wrong !== -1) fail(`pixel ${wrong} is ${inverted[wrong]}, expected ${255 - (wrong % 251)}: every byte b becomes 255 - b.`);
    if (pixels.byteLength !== 0) {
      fail(
        `After invertOnThread() the caller's pixels still have ${pixels.byteLength} bytes: they were copied, not moved.`,
        '-> a 256 KiB copy per call. Put pixels.buffer in the transfer list (pool.run(task, { transferList })):',
        '   the buffer changes owner, like a Rust move, and the sender can no longer touch it.',
      );
    }
    // The way back: the test's pool follows a buffer the worker answers with (moved, or copied).
    const isAnswer = (span: WorkSpan) => span.threadId !== threadId && span.resultMoved !== undefined && span.detail?.bytes === size;
    await work.waitFor((spans) => spans.some(isAnswer), { since, label: RESULT_LABEL });
    const answer = work.spans({ since, label: RESULT_LABEL }).find(isAnswer);
    if (answer?.resultMoved === false) {
      fail(
        `The pixels went to the worker by transfer, but came back as a copy: the worker (thread ${answer.threadId}) answered with the ${size / 1024} KiB array without Piscina.move,`,
        '   and piscina cloned it on the way back, byte by byte, while the worker kept its own buffer.',
        '-> move it back as well: `return Piscina.move(pixels)` puts the buffer in the transfer list of the answer.',
      );
    }
  });

  it('a SharedArrayBuffer is shared: two threads adding at the same instant lose no increment; an ordinary ArrayBuffer is copied', async (ctx) => {
    const threads = 2;
    // The counter as addOnThreads() left it when it returned, and once its threads had reported their work done.
    let early: { size: number; atReturn: number; later: number } | undefined;
    // Each attempt lines both tasks up at a start gate, and doubles the additions until the threads
    // were under way together for a while; a lost increment ends it at once (checker/harness/threads/race.ts).
    const verdict = await judgeRace({
      startSize: 250_000,
      maxSize: 16_000_000,
      run: async (times) => {
        const counter = new Int32Array(new SharedArrayBuffer(4));
        const since = wallClock();
        pool.gateNext(threads);
        await addOnThreads(pool, counter, threads, times);
        const atReturn = Atomics.load(counter, 0);
        const spans = await work.settled({ since, label: GATED_LABEL }, { atLeast: threads });
        const later = Atomics.load(counter, 0);
        if (later !== atReturn) early ??= { size: times, atReturn, later };
        return { expected: threads * times, actual: atReturn, spans };
      },
    });
    const last = verdict.decisive;
    const made = `The workers' code made ${listAtomics(last.atomics)}.`;
    if (early) {
      fail(
        `Two threads each added 1 to a shared counter ${early.size.toLocaleString('en-US')} times; when addOnThreads() returned, the counter read ${early.atReturn.toLocaleString('en-US')},`,
        `and once the threads were done it read ${early.later.toLocaleString('en-US')} (expected ${(threads * early.size).toLocaleString('en-US')}): the threads went on adding after addOnThreads() had returned.`,
        '-> the counter is shared (the threads\' additions did reach it); addOnThreads() just returned before its tasks were done, and its caller',
        '   looked too early. Wait for every task: `await Promise.all(...)` of the pool.run() promises.',
      );
    }
    if (last.actual === 0) {
      fail(
        `Two threads each added 1 to a shared counter ${last.size.toLocaleString('en-US')} times; the counter still reads 0.`,
        '-> nothing reached this thread: did each worker get its own copy? Pass the Int32Array itself (its memory is shared).',
      );
    }
    if (verdict.outcome === 'lost') {
      const lost = last.expected - last.actual;
      // Before blaming a race: one thread alone, with nobody to collide with, must add exactly what it was asked.
      const soloTimes = 1_000;
      const solo = new Int32Array(new SharedArrayBuffer(4));
      await addOnThreads(pool, solo, 1, soloTimes);
      const soloCount = Atomics.load(solo, 0);
      // An Atomics.add is never lost: when the counter reads exactly the number of them the workers made, the threads lost nothing.
      const adds = last.atomics.add ?? 0;
      const everyAddArrived = adds > 0 && adds === readModifyWrites(last.atomics) && adds === last.actual;
      if (soloCount !== soloTimes || everyAddArrived) {
        fail(
          `Two threads were each to add 1 to a shared counter ${last.size.toLocaleString('en-US')} times; the counter reads ${last.actual.toLocaleString('en-US')}, expected ${last.expected.toLocaleString('en-US')}. ${made}`,
          soloCount !== soloTimes
            ? `But no race is needed for that: one thread alone, with no other thread to collide with, asked for ${soloTimes.toLocaleString('en-US')} additions, added ${soloCount.toLocaleString('en-US')}.`
            : `But no increment was lost between the threads: an Atomics.add is never lost, and the counter reads exactly the ${adds.toLocaleString('en-US')} the workers made. They made ${adds < last.expected ? 'fewer' : 'more'} additions than asked.`,
          `-> the count itself is off: each 'add' task adds 1 to counter[0] exactly \`times\` times, \`for (let i = 0; i < times; i++) Atomics.add(counter, 0, 1)\`,`,
          '   and addOnThreads() gives each of its `threads` tasks the whole `times` (not a share of it).',
        );
      }
      fail(
        `Two threads each added 1 to a shared counter ${last.size.toLocaleString('en-US')} times, both at once; the counter reads ${last.actual.toLocaleString('en-US')}, expected ${last.expected.toLocaleString('en-US')}:`,
        lost > 0 ? `${lost.toLocaleString('en-US')} increments were lost.` : `${(-lost).toLocaleString('en-US')} more than were asked for.`,
        describeRace(verdict, 'additions'),
        drawWork(last.spans),
        made,
        readModifyWrites(last.atomics) === 0
          ? '-> no increment was atomic. `counter[0]++` (or an Atomics.load, then an Atomics.store) is a read, then a write, and so is a `+=` of a sum kept aside: two threads read the same value, both write their own update, and one is gone. Atomics.add(counter, 0, 1) reads, adds and writes in one indivisible step.'
          : '-> each increment must be one indivisible step on the shared counter: Atomics.add(counter, 0, 1), once per addition.',
      );
    }
    if (verdict.outcome === 'one-after-another') {
      fail(
        `addOnThreads() handed its ${threads} tasks to the pool one at a time: each waited at the start gate for the other in vain, and they ran one after the other` +
          (last.overlap.threads.length === 1 ? `, both on thread ${last.overlap.threads[0]}.` : '.'),
        drawWork(last.spans),
        '-> start every task first, then wait for them together (Promise.all): `for (...) await pool.run(task)` waits for each before sending the next.',
      );
    }
    if (readModifyWrites(last.atomics) === 0) {
      fail(
        `The counter came out right (${last.actual.toLocaleString('en-US')}), but no increment was atomic. ${made}`,
        describeRace(verdict, 'additions'),
        '-> a read and a separate write (`counter[0]++`, or a sum kept aside and added at the end) lose updates as soon as two threads',
        '   collide; here they did not happen to. Atomics.add(counter, 0, 1) is one indivisible step.',
      );
    }
    if (verdict.outcome === 'inconclusive') skipFor(ctx, 'one-core', 'this machine has 1 core: the two threads took turns, so a race between them could not be staged');
    const plain = new Int32Array(new ArrayBuffer(4));
    await addOnThreads(pool, plain, threads, 1_000);
    expect(plain[0], 'an ordinary ArrayBuffer is copied: the workers counted on their own copies').toBe(0);
  });
});

describe('step 3: many threads, one vector: a real mutex on shared memory', () => {
  let probe: ThreadProbe;
  let contenders: ArenaThreads;
  // "Another thread" in a staged schedule: a real worker, run in lockstep with this one.
  let otherThread: PlayedThread;
  const vecModule = fileURLToPath(workerUrl(new URL('./shared-vec.ts', import.meta.url)));
  beforeAll(async () => {
    [probe, contenders, otherThread] = await Promise.all([ThreadProbe.start(), ArenaThreads.start(3), PlayedThread.start()]);
  });
  afterAll(async () => {
    await Promise.all([probe.close(), contenders.close(), otherThread.close()]);
  });

  const sleep = (msToWait: number) => new Promise<void>((resolve) => setTimeout(resolve, msToWait));

  /**
   * Runs `unlock` (synchronous) and judges each Atomics.notify it makes on `words[index]` at that instant:
   * returns what the word read at a notify that came before unlock() had written the word with any atomic
   * step, if it read held (not 0). A notify after the word was freed is fine, even if another thread has
   * taken the lock again meanwhile.
   */
  function notifyBeforeFree(words: Int32Array, index: number, unlock: () => void): number | undefined {
    const atomics = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
    const writes = ['store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor'];
    const originals = new Map([...writes, 'notify'].map((name) => [name, atomics[name]!]));
    let wrote = false;
    let heldAtNotify: number | undefined;
    for (const name of writes) {
      const original = originals.get(name)!;
      atomics[name] = (...args: unknown[]) => {
        if (args[0] === words && args[1] === index) wrote = true;
        return original(...args);
      };
    }
    const notify = originals.get('notify')!;
    atomics.notify = (...args: unknown[]) => {
      if (args[0] === words && args[1] === index && !wrote && heldAtNotify === undefined) {
        const word = Atomics.load(words, index);
        if (word !== 0) heldAtNotify = word;
      }
      return notify(...args);
    };
    try {
      unlock();
    } finally {
      for (const [name, original] of originals) atomics[name] = original;
    }
    return heldAtNotify;
  }

  interface GateSeen {
    parties: number;
    /** How many workers had arrived at the instant open() resolved. */
    arrived: number;
    waitedMs: number;
    /** How many tasks had been handed to a piscina pool (pool.run) at the instant open() was called. */
    runsBefore: number;
  }

  /**
   * Watches fillFromThreads() from outside while it runs: every SharedVec it makes with SharedVec.create
   * (made `short` slots smaller, to make a push fail), and every StartGate it opens (how many workers had
   * arrived when the gate opened). Returns what it saw and a function that removes the patches.
   */
  function watchFill(short = 0, { oneFailsFirst = false } = {}) {
    const vecs: SharedVec[] = [];
    const gates: GateSeen[] = [];
    /** At each vec.snapshot() call: how many of the tasks handed to the pool had settled by then. */
    const snapshots: { settled: number; run: number }[] = [];
    // Tasks handed to a piscina pool (code on raw worker threads leaves this at 0), and the first that failed.
    const tasks = { run: 0, settled: 0, held: 0, failedAt: undefined as number | undefined, destroyed: undefined as { held: number; afterFailureMs: number } | undefined };
    let failed!: () => void;
    const firstFailure = new Promise<void>((resolve) => (failed = resolve));
    const piscinaProto = Piscina.prototype as unknown as { run: (...args: unknown[]) => unknown; destroy: (...args: unknown[]) => unknown };
    const { run, destroy } = piscinaProto;
    piscinaProto.run = function (this: unknown, ...args: unknown[]) {
      tasks.run++;
      const task = run.apply(this, args);
      // Seen first (attached before the caller's own handlers), and handled: it adds no unhandled rejection.
      if (task instanceof Promise) {
        task.then(
          () => void tasks.settled++,
          () => {
            tasks.settled++;
            tasks.failedAt ??= performance.now();
            failed();
          },
        );
      }
      return task;
    };
    piscinaProto.destroy = function (this: unknown, ...args: unknown[]) {
      if (tasks.held > 0) tasks.destroyed ??= { held: tasks.held, afterFailureMs: performance.now() - (tasks.failedAt ?? performance.now()) };
      return destroy.apply(this, args);
    };
    const Vec = SharedVec as unknown as Record<string, unknown> & { create: (this: unknown, capacity: number) => SharedVec };
    const hadCreate = Object.prototype.hasOwnProperty.call(Vec, 'create');
    const previousCreate = Vec.create;
    Vec.create = (capacity: number) => {
      // The class's own create(), called on the class (it may build `new this(...)`).
      const vec = previousCreate.call(Vec, capacity - short);
      vecs.push(vec);
      const snapshot = vec.snapshot.bind(vec);
      vec.snapshot = () => {
        snapshots.push({ settled: tasks.settled, run: tasks.run });
        return snapshot();
      };
      return vec;
    };
    const gateProto = StartGate.prototype as unknown as { open: (this: StartGate, parties: number, timeoutMs?: number) => Promise<void> };
    const open = gateProto.open;
    gateProto.open = async function (this: StartGate, parties: number, timeoutMs?: number) {
      const started = performance.now();
      const runsBefore = tasks.run;
      if (oneFailsFirst && runsBefore > 0) {
        // Staged: once every thread has arrived, let ONE through (Atomics.notify with a count of 1; the word stays
        // closed), and hold the others at the gate, mid-task, until its task has failed and the code has had
        // 20 ms to react; then open the gate for everyone.
        const deadline = started + (timeoutMs ?? 5_000);
        while (Atomics.load(this.cells, 0) < parties && performance.now() < deadline) await sleep(1);
        while (Atomics.notify(this.cells, 1, 1) === 0 && performance.now() < deadline) await sleep(1);
        tasks.held = parties - 1;
        let giveUp: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([firstFailure.then(() => sleep(20)), new Promise<void>((resolve) => (giveUp = setTimeout(resolve, 3_000)))]);
        clearTimeout(giveUp);
        tasks.held = 0;
        Atomics.store(this.cells, 1, 1);
        Atomics.notify(this.cells, 1);
      } else {
        await open.call(this, parties, timeoutMs);
      }
      gates.push({ parties, arrived: Atomics.load(this.cells, 0), waitedMs: performance.now() - started, runsBefore });
    };
    return {
      vecs,
      gates,
      tasks,
      snapshots,
      restore() {
        piscinaProto.run = run;
        piscinaProto.destroy = destroy;
        if (hadCreate) Vec.create = previousCreate;
        else delete (Vec as Partial<typeof Vec>).create;
        gateProto.open = open;
      },
    };
  }

  type FillOutcome =
    | { status: 'fulfilled'; value: number[] }
    | { status: 'rejected'; reason: unknown }
    | { status: 'stuck'; afterMs: number; length?: number; word?: number; stillMs: number };

  /**
   * Waits for fillFromThreads() without hanging on it: once the gate has opened, a vector whose length
   * has not moved for `stallMs` is stuck (without a gate or a vector to look at: after `limitMs`).
   */
  async function settleFill(promise: Promise<number[]>, seen: ReturnType<typeof watchFill>, stallMs = 2_000, limitMs = 12_000): Promise<FillOutcome> {
    let outcome: FillOutcome | undefined;
    promise.then(
      (value) => (outcome = { status: 'fulfilled', value }),
      (reason: unknown) => (outcome = { status: 'rejected', reason }),
    );
    const started = performance.now();
    let length = -1;
    let movedAt = started;
    for (;;) {
      await Promise.race([promise.catch(() => undefined), sleep(50)]);
      if (outcome) return outcome;
      const vec = seen.vecs[0];
      const t = performance.now();
      if (vec && Atomics.load(vec.words, LENGTH) !== length) {
        length = Atomics.load(vec.words, LENGTH);
        movedAt = t;
      }
      // Until the gate has opened, the threads may still be starting, and the gate itself waits up to 5 s.
      if (seen.gates.length === 0 && t - started < 5_500) movedAt = t;
      if ((vec && t - movedAt > stallMs) || t - started > limitMs) {
        return {
          status: 'stuck',
          afterMs: t - started,
          stillMs: t - movedAt,
          ...(vec ? { length: Atomics.load(vec.words, LENGTH), word: Atomics.load(vec.words, LOCK) } : {}),
        };
      }
    }
  }

  function failStuck(outcome: Extract<FillOutcome, { status: 'stuck' }>, call: string, expected: number, running: number, started: number, heldHint?: string): never {
    if (outcome.length === undefined) {
      fail(`${call} had not finished after ${ms(outcome.afterMs)}; ${running} of its ${started} worker threads were still running.`, 'Is some thread waiting for a lock that nobody will release, or for a start gate that never opens?');
    }
    fail(
      `${call} stopped making progress: the vector has held ${outcome.length} of ${expected} values for ${ms(outcome.stillMs)}, ${running} of its ${started} worker threads are still running,`,
      `and the vector's lock word reads ${outcome.word}${outcome.word === 0 ? ' (free)' : ' (held)'}.`,
      outcome.word === 0
        ? '-> threads that still have values to push are waiting for a lock that nobody holds: a wake-up was lost. There are two ways to lose one: unlock() woke a sleeper before the word was free (the woken thread finds the lock still held and sleeps again, and the store that frees it comes after and wakes nobody): free the word first, then Atomics.notify; or, with the three states (0 free, 1 locked, 2 contended), a waiter that woke and took the lock marked it 1, not 2: others may still be asleep, and only a 2 makes the next unlock() call Atomics.notify.'
        : (heldHint ?? '-> the lock is held, but no push gets through: did a push take the lock and never give it back (unlock() in a finally)?'),
    );
  }

  const rmw = (step: StepReport | undefined) => readModifyWrites(step?.atomics ?? {});
  const listCalls = (step: StepReport | undefined) => listAtomics(step?.atomics ?? {});
  const finished = (outcome: ProbeOutcome, what: string) => {
    if (!outcome.finished) fail(`${what} never finished (gave up after ${ms(outcome.afterMs)}).`);
    const error = outcome.report.error ?? outcome.report.steps.find((s) => s.error)?.error;
    if (error) fail(`${what} failed on the worker thread: ${error}`);
    return outcome.report;
  };

  // First the mutex alone, one thread against another (each names one mistake at once), then whole fills.
  it('lock() takes a free lock with one atomic read-modify-write (compareExchange), not a load then a store', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const report = finished(
      await probe.run({ module: vecModule, exportName: 'AtomicsMutex', args: [words, 0], steps: [{ call: 'lock' }, { call: 'unlock' }] }),
      'lock() then unlock() on a free AtomicsMutex',
    );
    const lock = report.steps[0];
    if (rmw(lock) === 0) {
      fail(
        `lock() took a free lock without any atomic read-modify-write; it made: ${listCalls(lock)}.`,
        '-> a load, then a store, is two steps: two threads can both load "free" before either stores "locked",',
        '   and both go in. Check and take in one indivisible step: Atomics.compareExchange(words, index, 0, 1).',
      );
    }
    expect(Atomics.load(words, 0), 'after unlock() the lock word must be 0 (free)').toBe(0);
  });

  it('unlock() frees the word and learns whether anyone waits in one atomic step: a thread that asks at any moment of unlock() is woken', async () => {
    // An adversarial schedule, step by step: for k = 0, 1, 2, ... the lock is held (tryLock()) with nobody waiting,
    // and unlock() runs here; just before its k-th Atomics call on the lock word, another thread's lock() (a second
    // AtomicsMutex on the same word, built and run on a real worker thread while this one waits) runs until it goes
    // to sleep in Atomics.wait. However unlock() is written, that sleeper must get an Atomics.notify after it fell asleep.
    const atomics = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
    const names = ['load', 'store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor', 'notify', 'wait'];
    const writes = new Set(['store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor']);
    const show = (name: string, args: unknown[], result: unknown) => `Atomics.${name}(${['words', 'index', ...args.slice(2).map(String)].join(', ')}) -> ${String(result)}`;
    for (let k = 0; k < 8; k++) {
      const words = new Int32Array(new SharedArrayBuffer(8));
      const holder = new AtomicsMutex(words, 0);
      const asker = await otherThread.open({ module: vecModule, exportName: 'AtomicsMutex', args: [words, 0], word: [words, 0], calls: ['lock'] });
      let asked: { outcome: PlayOutcome; word: number; before: string } | undefined;
      const calls: { name: string; text: string }[] = [];
      let wokenAfter = false;
      try {
        if (!holder.tryLock()) fail('tryLock() on a free mutex returned false.');
        const heldWord = Atomics.load(words, 0);
        const originals = new Map(names.map((name) => [name, atomics[name]!]));
        for (const name of names) {
          const original = originals.get(name)!;
          atomics[name] = (...args: unknown[]) => {
            if (args[0] !== words || args[1] !== 0) return original(...args);
            if (calls.length === k && !asked) {
              // The other thread asks now; this thread waits until its lock() returned or went to sleep.
              const outcome = asker.call('lock');
              asked = { outcome, word: originals.get('load')!(words, 0) as number, before: show(name, args, '?').replace(' -> ?', '') };
            }
            const result = original(...args);
            calls.push({ name, text: show(name, args, result) });
            if (name === 'notify' && asked?.outcome.kind === 'asleep' && (args[2] === undefined || Number(args[2]) >= 1)) wokenAfter = true;
            return result;
          };
        }
        try {
          holder.unlock();
        } finally {
          for (const [name, original] of originals) atomics[name] = original;
        }
        if (!asked) break; // unlock() made fewer than k + 1 calls: every moment has been tried
        const { outcome } = asked;
        if (outcome.kind === 'threw') fail(`lock() on another thread, while the lock was held, failed: ${outcome.error}`);
        if (outcome.kind === 'stuck') fail(`lock() on another thread, while the lock was held, never came back (gave up after ${ms(outcome.afterMs)}), and made no Atomics call on the lock word that the test could stop it at: is it looping on a plain read of the word?`);
        if (outcome.kind === 'asleep' && !wokenAfter) {
          const readFirst = calls.slice(0, k).some((c) => !writes.has(c.name) && c.name !== 'notify');
          const wrote = writes.has(calls[k]?.name ?? '');
          const word = Atomics.load(words, 0);
          fail(
            `unlock() on a lock held with nobody waiting (the word read ${heldWord}) made: ${calls.map((c) => c.text).join(', ')}.`,
            `We let another thread call lock() just before unlock()'s call ${k + 1} (${asked.before}): it found the lock held, left the word at ${asked.word} and went to sleep in Atomics.wait.`,
            `unlock() then went on without any Atomics.notify after that moment: ${outcome.napMs === undefined ? 'the sleeping thread is never woken (a lost wake-up)' : `nothing wakes the sleeping thread; only its own timed wait (${ms(outcome.napMs)}) running out brings it back`}, and the lock word now reads ${word}${word === 0 ? ' (free)' : ''}.`,
            asked.word === heldWord && !calls.some((c) => c.name === 'notify')
              ? `-> the other thread's lock() went to sleep leaving the word as it found it, ${heldWord}, the same as "held, nobody waiting": no unlock() can tell from the word that someone sleeps. Before it sleeps, lock() marks the word contended, \`Atomics.exchange(words, index, 2)\`, and sleeps on that 2 (then unlock() wakes a sleeper when it reads 2); or, with only 0 and 1, unlock() always calls Atomics.notify.`
              : readFirst && wrote
              ? `-> unlock() read the word in one step and wrote it in another, and a waiter came in between its read of the word and its write: what it had read (nobody waiting) was no longer true. Free the word and learn whether anyone waits in one indivisible step: \`if (Atomics.exchange(words, index, 0) === 2) Atomics.notify(words, index, 1)\`.`
              : '-> whoever may have gone to sleep before the word was freed must be woken after it: free the word with one atomic step that tells you whether anyone waits (Atomics.exchange), and then Atomics.notify.',
          );
        }
      } finally {
        await asker.end();
      }
    }
  });

  it('a thread waiting in lock() sleeps in Atomics.wait, wakes when the lock is released, and does not spin', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const mutex = new AtomicsMutex(words, 0);
    if (!mutex.tryLock()) fail('tryLock() on a free mutex returned false.');
    const heldWord = Atomics.load(words, 0);
    const progress = ThreadProbe.progressCell();
    const outcome = probe.run({
      module: vecModule,
      exportName: 'AtomicsMutex',
      args: [words, 0],
      steps: [{ signal: 1 }, { call: 'lock' }, { call: 'unlock' }],
      progress,
    });
    if (!(await Promise.race([waitForSignal(progress, 1), outcome.then(() => false)]))) {
      finished(await outcome, 'lock() while the main thread held the lock');
    }
    const holdMs = 200;
    await new Promise((resolve) => setTimeout(resolve, holdMs));
    // What the word read while the waiter waited: the value its Atomics.wait must sleep on.
    const wordWhileHeld = Atomics.load(words, 0);
    // A tryLock() that fails must leave the word alone: it may carry "someone is asleep", which unlock() relies on.
    const triedAgain = mutex.tryLock();
    const wordAfterTry = Atomics.load(words, 0);
    if (!triedAgain && wordAfterTry !== wordWhileHeld) Atomics.store(words, 0, wordWhileHeld); // put it back, so the sleeper can still be woken
    if (triedAgain) {
      // Free the word and wake the sleeper by hand, so that the probe thread is not left behind.
      Atomics.store(words, 0, 0);
      Atomics.notify(words, 0);
      await outcome;
      fail(`tryLock() returned true on a lock that was already held (the word read ${wordWhileHeld}): two holders at once.`);
    }
    const notifySpy = vi.spyOn(Atomics, 'notify');
    const releasedAt = epochNow();
    let notifies: number;
    let heldAtNotify: number | undefined;
    try {
      // Judged at the instant of each Atomics.notify: had unlock() freed the word yet?
      heldAtNotify = notifyBeforeFree(words, 0, () => mutex.unlock());
    } finally {
      notifies = notifySpy.mock.calls.length; // read before mockRestore(), which forgets the calls
      notifySpy.mockRestore();
    }
    if (heldAtNotify !== undefined) {
      fail(
        `unlock() called Atomics.notify before it had written the lock word, which still read ${heldAtNotify} (held): it woke the thread waiting in lock() before the lock was free.`,
        '-> the woken thread looks, finds the lock still held and goes back to sleep; the store that frees the word comes after it and',
        '   wakes nobody: a lost wake-up, once in a while, whenever the woken thread is quick. Free the word first, then wake:',
        '   `if (Atomics.exchange(words, index, 0) === 2) Atomics.notify(words, index, 1)`.',
      );
    }
    const result = await outcome;
    if (!result.finished) {
      fail(
        `The main thread released the lock, but the thread waiting in lock() never woke up (gave up after ${ms(result.afterMs)}).`,
        'unlock() must wake a sleeper: Atomics.notify(words, index, 1) (and lock() must sleep on the value it saw).',
      );
    }
    if (wordAfterTry !== wordWhileHeld) {
      fail(
        `A tryLock() that failed changed the lock word: while another thread slept in lock(), the word read ${wordWhileHeld}, and a tryLock() on it returned false and left ${wordAfterTry}.`,
        `-> a try that fails must leave the word alone: ${wordWhileHeld === 2 ? 'that 2 said "held, and someone is asleep"; with it gone, unlock() thinks nobody waits and wakes nobody (the test put the word back, or the sleeper would sleep for ever).' : 'the holder, and whoever sleeps, rely on what it says.'}`,
        '   Take the lock only if it is free, in one step that writes only then: `Atomics.compareExchange(words, index, 0, 1) === 0`.',
      );
    }
    const report = finished(result, 'lock() while the main thread held the lock');
    const lock = report.steps[1];
    // Clocks of two threads agree to well under a millisecond; 20 ms of slack, against a 200 ms hold.
    if (lock && lock.endedAt < releasedAt - 20) {
      fail(
        `lock() returned ${ms(releasedAt - lock.endedAt)} before the main thread released the lock: two holders at once.`,
        `It made: ${listCalls(lock)}.`,
      );
    }
    const attempts = rmw(lock);
    const timedOut = lock?.waits['timed-out'] ?? 0;
    if (notifies === 0 && lock?.atomics.wait) {
      fail(
        `The main thread's unlock() woke nobody: it made no Atomics.notify, while another thread was asleep in lock() (for ${holdMs} ms).`,
        timedOut > 0
          ? `The waiting thread only found the lock free when one of its timed waits ran out: ${timedOut} of its Atomics.wait calls came back 'timed-out', none was woken; its lock() returned ${ms(lock.endedAt - releasedAt)} after the release.`
          : `Its lock() made ${listCalls(lock)}.`,
        ...(wordWhileHeld === heldWord
          ? [
              `All the while it waited, the lock word read ${wordWhileHeld}, as the main thread's tryLock() had left it: the waiting lock() never marked it contended, so nothing in the word told unlock() that someone was asleep.`,
              '-> before it sleeps, lock() marks the word: `while (Atomics.exchange(words, index, 2) !== 0) Atomics.wait(words, index, 2)`; or, with only 0 and 1, unlock() always calls Atomics.notify(words, index, 1). A timeout is only a safety net.',
            ]
          : [
              '-> a timed wait that looks again is polling: every hand-over costs up to one nap, and a thread that waits without a timeout',
              '   sleeps forever. unlock() frees the word and then wakes one sleeper: Atomics.notify(words, index, 1).',
            ]),
      );
    }
    const notEqual = lock?.waits['not-equal'] ?? 0;
    if (lock?.atomics.wait && attempts > 50 && notEqual > lock.atomics.wait / 2) {
      fail(
        `While the lock was held for ${holdMs} ms, the waiting thread's lock() made ${listCalls(lock)}: it never slept.`,
        `${notEqual.toLocaleString('en-US')} of its ${lock.atomics.wait.toLocaleString('en-US')} Atomics.wait calls came back 'not-equal' at once: each asked to sleep while the word held a value it did not hold`,
        `(all along, the lock word read ${wordWhileHeld}). Atomics.wait(words, index, value) sleeps only while words[index] === value, so the loop went straight round again: a spin lock by accident.`,
        '-> sleep on the value the word holds now: the one your exchange() just wrote (2, "contended": `Atomics.wait(words, index, 2)`), or the one you just read.',
      );
    }
    if (!lock?.atomics.wait || attempts > 50) {
      fail(
        `While the lock was held for ${holdMs} ms, the waiting thread's lock() made ${listCalls(lock)}.`,
        lock?.atomics.wait
          ? '-> it kept retrying instead of sleeping until it was woken.'
          : '-> a spin lock: it tried again and again without ever calling Atomics.wait, burning a whole core for nothing.',
        '   Sleep with Atomics.wait(words, index, valueYouSaw) and let unlock() wake you with Atomics.notify.',
      );
    }
  });

  it('the main thread never blocks: lockAsync() waits with Atomics.waitAsync while another thread holds the lock, and is woken by its unlock()', async () => {
    const holdMs = 400;
    // One trial: another thread (the probe) takes the lock, holds it for holdMs and unlock()s it, while lockAsync() waits.
    const trial = async () => {
      const words = new Int32Array(new SharedArrayBuffer(8));
      const mutex = new AtomicsMutex(words, 0);
      const progress = ThreadProbe.progressCell();
      const holder = probe.run({
        module: vecModule,
        exportName: 'AtomicsMutex',
        args: [words, 0],
        steps: [{ call: 'lock' }, { signal: 1 }, { sleepMs: holdMs }, { call: 'unlock' }],
        progress,
      });
      // Wait until the probe holds the lock (or has given up: then its report says why).
      if (!(await Promise.race([waitForSignal(progress, 1), holder.then(() => false)]))) {
        finished(await holder, 'lock() on the thread that should hold the lock');
        fail('The probe thread never took the lock.');
      }
      const waitSpy = vi.spyOn(Atomics, 'wait');
      const loop = startEventLoopProbe(5);
      // What the lock word reads halfway through the hold, while lockAsync() waits (this timer is the test's, not lockAsync()'s).
      let wordWhileWaiting: number | undefined;
      const look = setTimeout(() => (wordWhileWaiting = Atomics.load(words, 0)), holdMs / 2);
      const started = performance.now();
      const scheduled = await scheduledBy(() => mutex.lockAsync());
      const lockError: unknown = scheduled.outcome.status === 'rejected' ? scheduled.outcome.reason : undefined;
      const waited = performance.now() - started;
      clearTimeout(look);
      const report = loop.stop();
      const blockingWaits = waitSpy.mock.calls.length;
      waitSpy.mockRestore();
      // Waits lockAsync() started and stopped listening to, still queued on the word: with the probe done
      // with the lock, nobody else waits on it. (Waking them here resolves promises nobody listens to.)
      const abandoned = lockError === undefined ? Atomics.notify(words, 0) : 0;
      if (lockError !== undefined) fail(`lockAsync() failed: ${describeError(lockError)}`);
      mutex.unlock();
      const holderReport = finished(await holder, 'the thread holding the lock');
      const unlockNotifies = holderReport.steps[3]?.atomics.notify ?? 0;
      return { scheduled, waited, report, blockingWaits, abandoned, wordWhileWaiting, unlockNotifies };
    };
    for (let attempt = 1; ; attempt++) {
      const { scheduled, waited, report, blockingWaits, abandoned, wordWhileWaiting, unlockNotifies } = await trial();
      if (blockingWaits > 0) {
        fail(
          `lockAsync() called Atomics.wait on the main thread ${blockingWaits} time(s): the whole event loop froze until the`,
          `other thread let go (${ms(waited)}; the longest gap between 5 ms timer ticks was ${ms(report.maxGapMs)}).`,
          '-> no timer, no request, no promise could run meanwhile. On the main thread, wait with',
          '   Atomics.waitAsync(words, index, value): it returns a promise, and the event loop keeps turning.',
        );
      }
      if (waited < holdMs / 2) {
        fail(`lockAsync() returned after ${ms(waited)}, while another thread held the lock for ${holdMs} ms: two holders at once.`);
      }
      // Busy, not just slow: a machine whose cores are taken can delay the ticks of an idle event loop
      // too (seen: 323 ms), but an idle loop's utilisation stays low; a loop kept busy is near 1.
      const asyncNotEqual = scheduled.waits['not-equal'] ?? 0;
      const asyncWaits = scheduled.atomics.waitAsync ?? 0;
      if (report.maxGapMs > holdMs / 2 && report.utilization > 0.5 && asyncWaits > 50 && asyncNotEqual > asyncWaits / 2) {
        fail(
          `While lockAsync() waited, the event loop was busy ${Math.round(report.utilization * 100)}% of the time and stalled for ${ms(report.maxGapMs)} (timer ticks every 5 ms, ${report.ticks} in ${ms(waited)}).`,
          `${asyncNotEqual.toLocaleString('en-US')} of its ${asyncWaits.toLocaleString('en-US')} Atomics.waitAsync calls came back 'not-equal' at once, with no promise to await: each asked to wait while the word held a value`,
          'it did not hold, so the loop went straight round again without ever letting the event loop turn.',
          '-> wait on the value the word holds now: the one your exchange() just wrote (2, "contended": `Atomics.waitAsync(words, index, 2)`), or the one you just read.',
        );
      }
      if (report.maxGapMs > holdMs / 2 && report.utilization > 0.5) {
        fail(
          `While lockAsync() waited, the event loop was busy ${Math.round(report.utilization * 100)}% of the time and stalled for ${ms(report.maxGapMs)} (timer ticks every 5 ms, ${report.ticks} in ${ms(waited)}).`,
          '-> the main thread was kept busy instead of awaiting: is lockAsync() retrying in a loop, without awaiting, or awaiting',
          '   only a promise that is already resolved? Such a promise is a microtask: it runs before any timer or I/O gets a turn.',
          '   Wait for the lock word to change: `await Atomics.waitAsync(words, index, valueYouSaw).value`.',
        );
      }
      const attempts = (scheduled.atomics.compareExchange ?? 0) + (scheduled.atomics.exchange ?? 0);
      const waitAsyncs = scheduled.atomics.waitAsync ?? 0;
      const timedOut = scheduled.waits['timed-out'] ?? 0;
      const woken = scheduled.waits.ok ?? 0;
      const timers = scheduled.timers + scheduled.immediates;
      const timerText = `scheduled ${timers} timer(s)${scheduled.immediates > 0 ? ` (${scheduled.immediates} of them setImmediate)` : ''}`;
      if (abandoned > 0) {
        fail(
          `lockAsync() took the lock, and ${abandoned} of its ${waitAsyncs} Atomics.waitAsync waits were still queued on the lock word: it had stopped listening to them${timers > 0 ? ` (it ${timerText}, and raced its waits against them)` : ''}, but a wait stays in the word's queue until it is woken or runs out.`,
          '-> unlock()\'s Atomics.notify(words, index, 1) wakes the oldest wait in that queue: one nobody listens to any more, while the thread or task that',
          '   really waits for the lock sleeps on (a lost wake-up). Do not abandon a wait: await the one you started until it resolves',
          `   (\`await Atomics.waitAsync(words, index, valueYouSaw).value\`; a timeout of its own, if you want a safety net, takes it off the queue when it runs out).`,
        );
      }
      // Woken, not polling: a timed wait is a fine safety net, but the hand-over must come from unlock()'s Atomics.notify.
      if (woken === 0 && waitAsyncs === 0 && timers > 0) {
        fail(
          `While another thread held the lock for ${holdMs} ms, lockAsync() ${timerText} and tried the lock ${attempts} time(s), and never called Atomics.waitAsync: it was polling, checking again later, instead of sleeping until unlock() wakes it.`,
          '-> every hand-over waits up to one nap, and the retries keep the main thread working all along. Sleep until the word changes:',
          '   `await Atomics.waitAsync(words, index, valueYouSaw).value`: the Atomics.notify in unlock() resolves it the moment the lock is let go.',
        );
      }
      if (woken === 0 && (timedOut > 0 || timers > 0)) {
        const naps = timedOut > 0 ? `${timedOut} of its ${waitAsyncs} Atomics.waitAsync wait(s) ran out by themselves ('timed-out')` : `it ${timerText}`;
        if (unlockNotifies === 0) {
          fail(
            `While another thread held the lock for ${holdMs} ms, lockAsync() was never woken: ${naps}, none was woken, and it took the lock only when it looked again by itself after the release (${attempts} tries): it was polling.`,
            `The other thread's unlock() made no Atomics.notify at all${wordWhileWaiting === undefined ? '' : `; all the while lockAsync() waited, the lock word read ${wordWhileWaiting}`}.`,
            wordWhileWaiting === 1
              ? '-> 1 says "locked, nobody waiting": lockAsync() waited without marking the word contended, so an unlock() that wakes a sleeper only when it reads 2 had nobody to wake. Mark it first, as lock() does: `while (Atomics.exchange(words, index, 2) !== 0) await Atomics.waitAsync(words, index, 2).value` (or let unlock() always notify).'
              : '-> unlock() must wake a waiter after it frees the word: `Atomics.notify(words, index, 1)`; a timeout is only a safety net, never the way the lock is handed over.',
          );
        }
        if (attempt < 3) continue; // unlock() notified: a wait ran out at the instant of the release (unlikely); try again
        fail(
          `Three times, while another thread held the lock for ${holdMs} ms, lockAsync() was never woken: ${naps}, and none was woken by the other thread's unlock(), which made ${unlockNotifies} Atomics.notify call(s).`,
          '-> does lockAsync() wait on the same word unlock() notifies (words[index]), and does unlock() wake at least one waiter (`Atomics.notify(words, index, 1)`)?',
        );
      }
      // Not burning the CPU: each retry costs a turn of the main thread. Naps shorter than about 4 ms are polling too,
      // the same bound lock() is held to (50 tries in 200 ms): judged by the tries, and by the naps its waits asked for
      // (a busy machine stretches a 1 ms nap, and then fewer tries fit in the hold; the nap asked for stays 1 ms).
      const shortNaps = scheduled.timedOutAfterMs.filter((napMs) => napMs < 4);
      if (attempts > holdMs / 4 || shortNaps.length > 1) {
        fail(
          `While another thread held the lock for ${holdMs} ms, lockAsync() tried the lock ${attempts.toLocaleString('en-US')} time(s) (${listAtomics(scheduled.atomics)}${timedOut > 0 ? `; ${timedOut} of its waits ran out by themselves` : ''}${shortNaps.length > 1 ? `, ${shortNaps.length} of them naps of ${ms(Math.min(...shortNaps))}` : ''}${timers > 0 ? `; it ${timerText}` : ''}).`,
          '-> it kept looking again instead of sleeping until it was woken. Wait until the word changes: `await Atomics.waitAsync(words, index, valueYouSaw).value`; a timeout, if any, only as a long safety net.',
        );
      }
      if (waitAsyncs === 0) {
        fail(
          `While another thread held the lock for ${holdMs} ms, lockAsync() waited without ever calling Atomics.waitAsync (it tried the lock ${attempts} time(s)).`,
          '-> nothing but Atomics.waitAsync lets unlock()\'s Atomics.notify wake the main thread: `await Atomics.waitAsync(words, index, valueYouSaw).value`.',
        );
      }
      return;
    }
  });

  it('lockAsync() woken while another thread still sleeps in lock() takes the lock so that its unlock() wakes that thread', async () => {
    // A staged schedule, the same every run: the lock is held (here) and lockAsync() waits for it. The test wakes
    // lockAsync()'s wait with an Atomics.notify of its own (the holder's unlock() would), and before the event loop can run
    // lockAsync() on, another thread's lock() (a second AtomicsMutex on the same word, built and run on a real worker thread
    // while this one waits) runs until it goes to sleep in Atomics.wait. Then the word is freed and lockAsync() goes on: it finds the lock free and
    // takes it while the other thread sleeps. Its unlock() must then wake that sleeper: an Atomics.notify, after unlock() has
    // written the word, that reaches past any waits still queued on the word ahead of the sleeper.
    const atomics = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
    const names = ['load', 'store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor', 'notify', 'wait', 'waitAsync'];
    const writes = new Set(['store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor']);
    const words = new Int32Array(new SharedArrayBuffer(8));
    const holder = new AtomicsMutex(words, 0);
    const main = new AtomicsMutex(words, 0);
    if (!holder.tryLock()) fail('tryLock() on a free mutex returned false.');
    // A lockAsync() that retries on microtasks alone never lets the event loop turn, and this test could not go on: count its
    // tries on the word between two turns of the loop (real setImmediate), and past 20,000 free the word to let it through.
    const realImmediate = setImmediate;
    const atomicsNow = Atomics as unknown as Record<string, (...args: unknown[]) => unknown>;
    const breakerNames = ['load', 'store', 'exchange', 'compareExchange', 'add', 'sub', 'and', 'or', 'xor', 'wait', 'waitAsync'];
    const beforeBreaker = new Map(breakerNames.map((name) => [name, atomicsNow[name]!]));
    let sinceTurn = 0;
    let spun = false;
    let turning = true;
    const turn = () => {
      sinceTurn = 0;
      if (turning) realImmediate(turn);
    };
    realImmediate(turn);
    for (const name of breakerNames) {
      const original = beforeBreaker.get(name)!;
      atomicsNow[name] = (...args: unknown[]) => {
        if (args[0] === words && args[1] === 0 && ++sinceTurn > 20_000 && !spun) {
          spun = true;
          beforeBreaker.get('store')!(words, 0, 0);
        }
        return original(...args);
      };
    }
    const stopBreaker = () => {
      turning = false;
      for (const [name, original] of beforeBreaker) atomicsNow[name] = original;
    };
    let cleanedUp = false;
    let other: PlaySession | undefined;
    try {
      other = await otherThread.open({ module: vecModule, exportName: 'AtomicsMutex', args: [words, 0], word: [words, 0], calls: ['lock'] });
      // A long hold, on the clock lockAsync()'s timers run on: 10 s pass at once while it waits (then the clock runs with real
      // time again), so a timer it races against its wait runs out, as it would while a thread holds the lock that long.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate'], shouldAdvanceTime: true, advanceTimeDelta: 5 });
      const timersBefore = vi.getTimerCount();
      const mainLock = track(main.lockAsync());
      await flushMicrotasks();
      const setTimers = vi.getTimerCount() > timersBefore;
      const heldMs = 10_000;
      await vi.advanceTimersByTimeAsync(heldMs);
      // Wake lockAsync()'s wait as soon as it waits on the word (bounded: a lockAsync() that never waits goes on at once).
      let wokeMain = 0;
      for (let waited = 0; waited < 1_000 && !mainLock.settled; waited += 5) {
        wokeMain = Atomics.notify(words, 0, 1);
        if (wokeMain > 0) break;
        await sleep(5);
      }
      stopBreaker();
      if (spun) {
        fail(
          `While another holder held the lock, lockAsync() tried it more than 20,000 times without the event loop turning once in between (the test then freed the word, to let it through).`,
          '-> it retried on microtasks alone (`await Promise.resolve()`, or a promise that is already resolved): they run before any timer or I/O, so the main thread was kept busy. Wait for the word to change: `await Atomics.waitAsync(words, index, valueYouSaw).value`.',
        );
      }
      if (mainLock.status === 'rejected') fail(`lockAsync() failed: ${describeError(mainLock.reason)}`);
      if (mainLock.settled) fail('lockAsync() returned while another holder still held the lock: two holders at once.');
      // The other thread's lock(), on a worker, while this thread waits (lockAsync() cannot run meanwhile), until it would sleep.
      const played = other.call('lock');
      const originals = new Map(names.map((name) => [name, atomics[name]!]));
      const load = originals.get('load')! as (w: Int32Array, i: number) => number;
    const wordAsleep = load(words, 0);
    if (played.kind === 'threw') fail(`lock() on another thread's AtomicsMutex over the same word, while the lock was held, failed: ${played.error}`);
    if (played.kind === 'stuck') fail(`lock() on another thread's AtomicsMutex over the same word, while the lock was held, never came back (gave up after ${ms(played.afterMs)}) and made no Atomics call on the word that the test could stop it at: is it looping on a plain read of the word?`);
    if (played.kind === 'returned') fail(`lock() on another thread's AtomicsMutex over the same word returned while the lock was held (the word read ${wordAsleep}): two holders at once.`);
    if (played.kind === 'spun') fail(`lock() on another thread's AtomicsMutex over the same word, while the lock was held, made 1,000 Atomics calls on the word without going to sleep in Atomics.wait (it read ${wordAsleep}): a thread waiting in lock() must sleep until unlock() wakes it.`);
    const asleep = played;
    // The holder lets go (the notify that woke lockAsync() was its wake-up), and lockAsync() runs on.
    Atomics.store(words, 0, 0);
    for (let waited = 0; waited < 2_000 && !mainLock.settled; waited += 5) await sleep(5);
    if ((mainLock.status as string) === 'rejected') fail(`lockAsync() failed: ${describeError(mainLock.reason)}`);
    if (!mainLock.settled) {
      Atomics.notify(words, 0);
      fail(`The lock was let go, and lockAsync() was still waiting 2 s later, though the lock word read ${load(words, 0)}${load(words, 0) === 0 ? ' (free)' : ''} (the other thread was asleep in lock(), and ${wokeMain > 0 ? 'lockAsync()\'s wait had been woken' : 'lockAsync() had not been seen waiting in Atomics.waitAsync'}).`);
    }
    const wordWhenTaken = load(words, 0);
    // main.unlock(), judged at each Atomics.notify: it reaches the sleeper when it asks to wake more waiters than are still
    // queued on the word ahead of it (waits lockAsync() started and stopped listening to), after unlock() wrote the word.
    const calls: string[] = [];
    let wrote = false;
    let reached = false;
    let staleWoken = 0;
    let notifiedBeforeWrite = false;
    for (const name of names) {
      const original = originals.get(name)!;
      atomics[name] = (...args: unknown[]) => {
        if (args[0] !== words || args[1] !== 0) return original(...args);
        const result = original(...args);
        calls.push(`Atomics.${name}(${['words', 'index', ...args.slice(2).map(String)].join(', ')}) -> ${String(result)}`);
        if (writes.has(name)) wrote = true;
        if (name === 'notify') {
          const asked = args[2] === undefined || Number(args[2]) === Infinity ? Infinity : Number(args[2]);
          staleWoken += Number(result);
          if (!wrote) notifiedBeforeWrite = true;
          else if (asked > Number(result)) reached = true;
        }
        return result;
      };
    }
    try {
      main.unlock();
    } finally {
      for (const [name, original] of originals) atomics[name] = original;
    }
    Atomics.notify(words, 0); // waits lockAsync() may have left queued on the word: nobody listens to them
    if (!reached) {
      const made = calls.join(', ') || 'no Atomics call on the word';
      fail(
        `The lock was held; lockAsync() waited for it, and then another thread went to sleep in lock() (on the word reading ${asleep.value}). The lock was let go, and ${wokeMain > 0 ? 'lockAsync(), woken, took it' : 'lockAsync() (never seen waiting in Atomics.waitAsync) found it free and took it'}`,
        `and left the word at ${wordWhenTaken}; its unlock() then made: ${made}. Nothing in it woke the thread asleep in lock(): ${asleep.napMs === undefined ? 'it sleeps for ever (a lost wake-up)' : `only its own timed wait (${ms(asleep.napMs)}) running out brings it back, and a timeout is a safety net, not the way the lock is handed over`}.`,
        staleWoken > 0 && !notifiedBeforeWrite
          ? `-> its unlock() did call Atomics.notify, and woke ${staleWoken} waiter(s), not that thread: a wait lockAsync() had started and stopped listening to was still queued on the word, ahead of it, and took the wake-up${setTimers ? ` (the lock had been held ${heldMs / 1_000} s on the clock its timers run on, so every timer it raced against a wait ran out, and it started a new wait each time)` : ''}. Do not abandon a wait: await the one you started until it resolves (a timeout of its own takes it off the queue when it runs out).`
          : notifiedBeforeWrite
          ? '-> unlock() called Atomics.notify before it wrote the lock word: the woken thread finds the lock still held and sleeps again. Free the word first, then wake: `if (Atomics.exchange(words, index, 0) === 2) Atomics.notify(words, index, 1)`.'
          : wordWhenTaken === 1
          ? `-> a wake-up was lost: lockAsync() took the lock as 1, "locked, nobody waiting", ${wokeMain > 0 ? 'after a wake-up' : 'when it found it free'}, though others may still sleep, so its unlock() notified nobody. After waking, take it as contended: \`Atomics.exchange(words, index, 2) !== 0\` (wait again if that is not 0), as lock() does.`
          : '-> a wake-up was lost: whatever lockAsync() leaves in the word when it takes the lock after waiting must tell its unlock() that others may still sleep.',
      );
    }
    cleanedUp = true;
    } finally {
      stopBreaker();
      // On a path that failed early: free the word and wake every wait on it, so that no lockAsync() is left waiting.
      if (!cleanedUp) {
        Atomics.store(words, 0, 0);
        Atomics.notify(words, 0);
      }
      await other?.end();
    }
  });

  it('3 threads x 100 pushes: every value exactly once, each thread in its own order, every thread closed', async () => {
    const threads = 3;
    const perThread = 100;
    const watch = watchWorkers();
    const fill = watchFill();
    try {
      const expected = threads * perThread;
      const outcome = await settleFill(fillFromThreads(threads, perThread), fill);
      if (outcome.status === 'stuck') failStuck(outcome, `fillFromThreads(${threads}, ${perThread})`, expected, watch.running(), watch.workers.length);
      if (outcome.status === 'rejected') fail(`fillFromThreads(${threads}, ${perThread}) rejected: ${describeError(outcome.reason)}`);
      const contents = outcome.value;
      // Once every thread is done, the vector's own length says how much was pushed in all.
      const vec = fill.vecs[0];
      const pushed = vec ? Atomics.load(vec.words, LENGTH) : contents.length;
      // Judged at the instant of the copy: had every task the pool was given reported back?
      const tooSoon = fill.snapshots.find((s) => s.settled < s.run);
      if (tooSoon) {
        fail(
          `fillFromThreads(${threads}, ${perThread}) called vec.snapshot() when only ${tooSoon.settled} of the ${tooSoon.run} tasks it had handed to the pool had reported back: it did not wait for them,`,
          `so it copied whatever had been pushed by then (this time ${contents.length} of the ${pushed} values the vector holds now).`,
          '-> it took the snapshot before the threads had finished pushing. The lock makes a snapshot consistent, not complete: wait for every',
          '   task first (`await Promise.all(runs)`), then `await vec.snapshot()`.',
        );
      }
      if (pushed > contents.length) {
        fail(
          `fillFromThreads(${threads}, ${perThread}) resolved with ${contents.length} values, but the vector it made holds ${pushed}: the threads pushed ${pushed - contents.length} more after the contents were copied.`,
          '-> it took the snapshot before the threads had finished pushing. The lock makes a snapshot consistent, not complete: wait for every',
          '   task first (`await Promise.all(runs)`), then `await vec.snapshot()`.',
        );
      }
      const seen = new Set(contents);
      const missing: number[] = [];
      for (let t = 0; t < threads; t++) for (let i = 0; i < perThread; i++) if (!seen.has(valueFor(t, i))) missing.push(valueFor(t, i));
      // Values no thread was asked for: not a lost update, the wrong values were pushed.
      const asked = new Set(Array.from({ length: threads * perThread }, (_, k) => valueFor(Math.floor(k / perThread), k % perThread)));
      const strangers = contents.filter((value) => !asked.has(value));
      if (strangers.length > 0 && seen.size === contents.length) {
        const first = strangers[0]!;
        fail(
          `${threads} threads were to push ${expected} values, valueFor(thread, i) for threads 0 to ${threads - 1} and i from 0 to ${perThread - 1}; the vector holds ${contents.length}, and ${strangers.length} of them no thread was asked for`,
          `(e.g. ${strangers.slice(0, 4).join(', ')}: ${first} is valueFor(${Math.floor(first / 1_000_000)}, ${first % 1_000_000})), while ${missing.length} of the values asked for are missing (e.g. ${missing.slice(0, 4).join(', ')}). No value was lost or written twice:`,
          '-> the threads pushed the wrong values. Thread numbers run from 0 to threads - 1 (`Array.from({ length: threads }, (_, thread) => ...)`),',
          '   and the task of thread t pushes valueFor(t, i) for i = 0 .. count - 1.',
        );
      }
      if (contents.length !== expected || missing.length > 0 || seen.size !== contents.length) {
        fail(
          `${threads} threads pushed ${expected} values; the vector holds ${contents.length}, ${missing.length} are missing` +
            ` (e.g. ${missing.slice(0, 4).join(', ')}) and ${contents.length - seen.size} are there twice.`,
          '-> updates were lost: two threads read the same length, both wrote the same slot, and one value',
          '   overwrote the other. Take the lock before reading the length and release it after writing it back,',
          '   and make sure the lock itself lets only one thread in.',
        );
      }
      for (let t = 0; t < threads; t++) {
        const own = contents.filter((value) => Math.floor(value / 1_000_000) === t);
        const sorted = [...own].sort((a, b) => a - b);
        if (own.join() !== sorted.join()) fail(`Thread ${t}'s values are out of order in the vector: ${own.slice(0, 6).join(', ')}, ...`);
      }
      // The gate is what lines the threads up: one that gave up waiting means they never pushed together.
      // (Only a pool with fewer threads than tasks is judged here: on a machine busy enough, right code's
      // threads can be slow to start, and then the threads did not meet, through no fault of the code.)
      const early = fill.gates.find((gate) => gate.runsBefore === 0);
      if (early && fill.tasks.run > 0) {
        fail(
          `fillFromThreads(${threads}, ${perThread}) called gate.open(${early.parties}) before it had handed any task to the pool (pool.run): open() waited ${ms(early.waitedMs)} for threads that had nothing to run yet,`,
          `and opened with ${early.arrived} of ${early.parties} arrived. Only then did the ${fill.tasks.run} tasks go to the pool, and each thread walked through the gate, already open, whenever it got its task: the gate lined nobody up.`,
          '-> hand every task to the pool first (`const runs = ... pool.run(task)`), then `await gate.open(threads)`: the gate opens once every thread has arrived.',
        );
      }
      const gaveUp = fill.gates.find((gate) => gate.arrived < gate.parties);
      const started = watch.workers.length;
      if (gaveUp && started < threads) {
        fail(
          `The start gate gave up: it waited ${ms(gaveUp.waitedMs)} for ${gaveUp.parties} threads and only ${gaveUp.arrived} had arrived, so the threads never started pushing together.`,
          `fillFromThreads(${threads}, ${perThread}) started ${started} worker thread(s) for its ${threads} tasks: the other task(s) waited in the pool's queue for a free thread, and could not reach the gate until a thread had finished.`,
          `-> give the pool one thread per task (minThreads = maxThreads = threads), not one per core: the gate needs every task running at once.`,
        );
      }
      const running = await watch.waitForExit(2_000);
      if (running > 0) {
        fail(
          `fillFromThreads() resolved but ${running} of its ${watch.workers.length} worker threads were still running 2 s later.`,
          'Close the pool when you are done (await pool.destroy() in a finally block).',
        );
      }
    } finally {
      fill.restore();
      await watch.terminateAll();
      watch.restore();
    }
  });

  it('when a push fails on a worker thread, fillFromThreads() rejects, the other threads are not locked out, and no thread is left running', async () => {
    const threads = 3;
    const perThread = 20;
    const watch = watchWorkers();
    // Room for half of one thread's values. The gate lets one thread through first and holds the others
    // (mid-task) until that thread's task has failed: its push threw a RangeError in the middle of its filling.
    // Then the others go, with values still to push, and may find the lock held (never given back?).
    const room = perThread / 2;
    const seen = watchFill(threads * perThread - room, { oneFailsFirst: true });
    try {
      const outcome = await settleFill(fillFromThreads(threads, perThread), seen);
      if (seen.vecs.length === 0) {
        if (outcome.status === 'rejected') fail(`fillFromThreads(${threads}, ${perThread}) rejected before it made a vector: ${describeError(outcome.reason)}`);
        // A vector not made with SharedVec.create: this failure cannot be staged from outside.
        if (outcome.status === 'fulfilled') return;
      }
      const cutOff = seen.tasks.destroyed;
      if (cutOff) {
        fail(
          `We gave fillFromThreads(${threads}, ${perThread}) a vector with room for ${room} values, let one thread through the start gate and held the other ${cutOff.held} there, in the middle of their tasks;`,
          `that thread's push threw a RangeError (the vector was full) and its task failed. ${ms(cutOff.afterFailureMs)} later, fillFromThreads() called pool.destroy() while the other ${cutOff.held} tasks were still running:`,
          '   destroy() ends their threads wherever they are (here, at the gate; as easily in the middle of a push, holding the lock), and their tasks never finish.',
          '-> let every task settle before the pool goes: `finally { await Promise.allSettled(runs); await pool.destroy(); }`. The first failure still',
          '   makes fillFromThreads() reject (Promise.all), but only once every thread has finished.',
        );
      }
      if (outcome.status === 'stuck') {
        failStuck(
          outcome,
          `fillFromThreads(${threads}, ${perThread}), given a vector with room for ${room} values,`,
          room,
          watch.running(),
          watch.workers.length,
          outcome.length === room
            ? `-> the vector was full, so a push threw a RangeError while it held the lock, and the lock was never given back: the threads with values still to push sleep in lock() for good. Unlock in a \`finally\` (lock(); try { append } finally { unlock() }), so a push that throws lets go too.`
            : undefined,
        );
      }
      if (outcome.status === 'fulfilled') {
        const length = Atomics.load(seen.vecs[0]!.words, LENGTH);
        fail(
          `We gave fillFromThreads(${threads}, ${perThread}) a vector with room for ${room} values: it filled up at ${length}, and the next push on a worker thread threw a RangeError;`,
          `yet fillFromThreads() resolved, with ${outcome.value.length} of the ${threads * perThread} values, as if nothing had gone wrong: the failure never reached the caller.`,
          '-> a task that failed on a worker thread must make fillFromThreads() reject: wait for the tasks with `await Promise.all(runs)`, which rejects',
          '   with the first failure (Promise.allSettled never rejects: its outcomes must be looked at, and a rejected one thrown).',
        );
      }
      const running = await watch.waitForExit(2_000);
      if (running > 0) {
        fail(
          `We gave fillFromThreads(${threads}, ${perThread}) a vector with room for ${room} values, so pushes threw a RangeError on the worker threads;`,
          `fillFromThreads() ${outcome.status === 'rejected' ? `rejected (${describeError(outcome.reason)})` : 'resolved'}, but ${running} of its ${watch.workers.length} worker threads were still running 2 s later.`,
          '-> the failure skipped the clean-up. Close the pool in a `finally` (after `await Promise.allSettled(runs)`), so that it runs on',
          '   every way out of the function, a rejection too.',
          ...watch.leaks().slice(0, 3).map((line) => `   ${line}`),
        );
      }
    } finally {
      seen.restore();
      await watch.terminateAll();
      watch.restore();
    }
  });

  it('three threads and the main thread contend, asking again at once: never two holders, and nobody left waiting while the lock is free', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const mutex = new AtomicsMutex(words, 0);
    const arena = new LockArena(['main thread', 'thread A', 'thread B', 'thread C']);
    const plan = { threadRounds: 100, mainRounds: 20, holdMs: 1, stallMs: 2_000 };
    // Threads A, B and C: lock(), 1 ms inside, unlock(), and three rounds in four they ask again at once.
    const runs = contenders.run(arena, [1, 2, 3], { module: vecModule, exportName: 'AtomicsMutex', args: [words, 0], rounds: plan.threadRounds, holdMs: plan.holdMs, gapMs: 1 });
    // The main thread: lockAsync(), holds the lock across a 1 ms timer, unlock(), waits 1 ms (the threads take the lock meanwhile).
    // The main thread's unlock(): what the lock word read at the instant of each of its Atomics.notify calls.
    let notifiedWhileHeld = 0;
    const unlockHere = () => {
      if (notifyBeforeFree(words, 0, () => mutex.unlock()) !== undefined) notifiedWhileHeld++;
    };
    const main = arena.runHere(0, { rounds: plan.mainRounds, holdMs: plan.holdMs, gapMs: 1, lock: () => mutex.lockAsync(), unlock: unlockHere, lockName: 'lockAsync' });
    const outcome = await arena.settle([main, ...runs], { stallMs: plan.stallMs });
    const word = Atomics.load(words, 0);
    if (!outcome.finished) {
      // Let everyone go: stop after this round, end the threads, and free whoever still waits on this thread.
      arena.stop();
      contenders.abortAll();
      Atomics.store(words, 0, 0);
      Atomics.notify(words, 0);
      await Promise.race([Promise.allSettled([main, ...runs]), sleep(1_000)]);
    }
    const setup = `(Threads A, B and C each did rounds of lock(), ${plan.holdMs} ms inside, unlock(), asking again at once three rounds in four; the main thread did rounds of lockAsync(), a ${plan.holdMs} ms timer inside, unlock(), a 1 ms pause.)`;
    if (outcome.error) fail(`While three threads and the main thread took turns with one AtomicsMutex, ${outcome.error.label}'s ${outcome.error.message}`);
    const first = outcome.first;
    if (first) {
      fail(
        `Two holders at once: ${first.entrant} got the lock at ${ms(first.atMs)} while ${first.holder} still held it (${outcome.violations} such moment(s) in all).`,
        setup,
        arena.draw(Math.max(0, first.atMs - 5), first.atMs + 3, { holdsOnly: true }),
        `-> ${first.entrant === 'main thread' ? 'lockAsync()' : `${first.entrant}'s lock()`} returned while ${first.holder} held the lock. Being woken is not being given the lock: a wait that`,
        '   comes back (Atomics.wait, or the promise of Atomics.waitAsync) only says the word changed, and a thread that unlocked and asked',
        '   again at once may have taken it meanwhile. The lock is yours only when your own atomic step took it (compareExchange, or',
        '   exchange, seeing 0): after every wake-up, try again that way, and wait again if it fails.',
      );
    }
    if (outcome.stalled) {
      const waiting = outcome.parties.filter((p) => p.state === 'asking');
      const holding = outcome.parties.filter((p) => p.state === 'holding');
      const lastMs = Math.max(...outcome.parties.map((p) => p.sinceMs));
      fail(
        `Nothing moved for ${ms(plan.stallMs)}: ` +
          (waiting.map((p) => `${p.label} had been waiting in ${p.label === 'main thread' ? 'lockAsync()' : 'lock()'} since ${ms(p.sinceMs)} (its round ${p.rounds + 1})`).join(', ') || 'nobody was waiting') +
          `, while ${holding.map((p) => p.label).join(' and ') || 'nobody'} held the lock and the lock word read ${word}${word === 0 ? ' (free)' : ''}.`,
        `Done: ${outcome.parties.filter((p) => p.state === 'done').map((p) => p.label).join(', ') || 'nobody'}. ${setup}`,
        arena.draw(Math.max(0, lastMs - 6), lastMs + 2),
        waiting.length > 0 && holding.length === 0
          ? notifiedWhileHeld > 0
            ? `-> a wake-up was lost: the lock was let go, but ${waiting.map((p) => p.label).join(' and ')}, still waiting for it, never got it. The main thread's unlock() called Atomics.notify ${notifiedWhileHeld} time(s) before it had written the lock word, which still read held: it woke a waiter before the lock was free. The woken thread finds the lock still held and sleeps again, and the store that frees the word comes after and wakes nobody. Free the word first, then wake: \`if (Atomics.exchange(words, index, 0) === 2) Atomics.notify(words, index, 1)\`.`
            : `-> the lock was let go, but ${waiting.map((p) => p.label).join(' and ')}, still waiting for it, never got it: a wake-up was lost. There are two ways to lose one: unlock() woke a sleeper before the word was free (the woken thread finds the lock still held and sleeps again, and the store that frees it comes after and wakes nobody): free the word first, then Atomics.notify; or, with the three states (0 free, 1 locked, 2 contended), a waiter that woke and took the lock marked it 1, not 2: others may still be asleep, and only a 2 makes the next unlock() call Atomics.notify.`
          : '-> someone holds the lock and never lets go, or waits on a value the word never takes: look at what unlock() leaves in the word and what lock() waits for.',
      );
    }
  });

  it('a push that waited for the lock looks for room once it holds it: when the last slot went meanwhile, it throws RangeError', async () => {
    // A staged schedule: the vector has one free slot, and the main thread holds its lock (a push in progress).
    // A thread calls push(); once it is waiting in lock() (the word says contended, or 100 ms went by), the
    // push in progress takes the last slot and lets go. The waiting push must find the vector full.
    const vec = SharedVec.create(2);
    vec.words[SLOTS] = 1;
    Atomics.store(vec.words, LENGTH, 1);
    const holder = new AtomicsMutex(vec.words, LOCK);
    if (!holder.tryLock()) fail('tryLock() on a free mutex returned false.');
    const heldWord = Atomics.load(vec.words, LOCK);
    const progress = ThreadProbe.progressCell();
    const pusher = probe.run({ module: vecModule, exportName: 'SharedVec', args: [vec.buffer], steps: [{ signal: 1 }, { call: 'push', args: [7] }], progress });
    let released = false;
    try {
      if (!(await Promise.race([waitForSignal(progress, 1), pusher.then(() => false)]))) {
        finished(await pusher, 'push() on a vector with one free slot');
      }
      const since = performance.now();
      while (Atomics.load(vec.words, LOCK) === heldWord && performance.now() - since < 100) await sleep(1);
      // The push in progress ends: the last slot, then the length, then the lock goes.
      vec.words[SLOTS + 1] = 2;
      Atomics.store(vec.words, LENGTH, 2);
      holder.unlock();
      released = true;
    } finally {
      if (!released) holder.unlock();
    }
    const result = await pusher;
    if (!result.finished) fail(`push() on a vector with one free slot never returned, although the lock was let go (gave up after ${ms(result.afterMs)}).`);
    if (result.report.error) fail(`push() on a vector with one free slot failed on the worker thread: ${result.report.error}`);
    const report = result.report.steps[1];
    const length = Atomics.load(vec.words, LENGTH);
    if (report && report.error === undefined) {
      fail(
        `A thread called push(7) on a vector with room for 2 values and 1 in it, while a push in progress held the lock. That push took the last slot (length 1 -> 2) and let go;`,
        `then your push() went ahead instead of throwing: the length now reads ${length} with room for 2${length > 2 ? ', and 7 went past the end (an Int32Array drops a write out of its range without a word)' : ''}.`,
        '-> push() decided there was room before the lock was its own: by the time it held the lock, the last slot was gone (check, then act).',
        '   Look at the length inside the critical section, after lock(), and throw the RangeError there (unlock() in a finally).',
      );
    }
    if (!report?.error?.includes('RangeError')) fail(`push() on a full vector must throw a RangeError; it threw ${report?.error ?? 'nothing'}.`);
    expect(length, 'the length of a full vector with room for 2').toBe(2);
  });

  it('snapshot() takes the lock: it waits while another thread holds it, without blocking the main thread', async () => {
    const vec = SharedVec.create(4);
    const progress = ThreadProbe.progressCell();
    const holdMs = 300;
    // Another thread holds the vector's own lock (built from your AtomicsMutex), as a push in progress would.
    const holder = probe.run({
      module: vecModule,
      exportName: 'AtomicsMutex',
      args: [vec.words, LOCK],
      steps: [{ call: 'lock' }, { signal: 1 }, { sleepMs: holdMs }, { call: 'unlock' }],
      progress,
    });
    if (!(await Promise.race([waitForSignal(progress, 1), holder.then(() => false)]))) {
      finished(await holder, 'lock() on the thread that should hold the lock');
      fail('The probe thread never took the lock.');
    }
    const heldSince = performance.now();
    let snapshotError: unknown;
    let settledAt: number | undefined;
    let contents: number[] | undefined;
    const waitSpy = vi.spyOn(Atomics, 'wait');
    const snapshot = vec.snapshot().then(
      (value) => ((contents = value), (settledAt = epochNow())),
      (error: unknown) => ((snapshotError = error), (settledAt = epochNow())),
    );
    const blockedMs = performance.now() - heldSince;
    // The push in progress ends while snapshot() waits: its value lands in slot 0 and the length goes 0 -> 1,
    // all before the holder lets go. A snapshot taken under the lock sees it.
    const pushed = 42;
    vec.words[SLOTS] = pushed;
    Atomics.store(vec.words, LENGTH, 1);
    const blockingWaits = waitSpy.mock.calls.length;
    waitSpy.mockRestore();
    const report = finished(await holder, 'the thread holding the lock');
    const releasedAt = report.steps[3]?.startedAt ?? epochNow();
    await Promise.race([snapshot, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    if (snapshotError !== undefined) fail(`snapshot() failed: ${describeError(snapshotError)}`);
    // Any Atomics.wait on the main thread is the mistake; without one, only a block of nearly the whole
    // hold counts (a busy machine can hold up a thread for a while all by itself).
    if (blockingWaits > 0 || blockedMs > 0.9 * holdMs) {
      fail(
        `snapshot() blocked the main thread for ${ms(blockedMs)} before it even returned its promise, while another thread held the lock for ${holdMs} ms.`,
        blockingWaits > 0
          ? `-> it called Atomics.wait on the main thread ${blockingWaits} time(s) (lock() does, and so does a lockAsync() that calls lock()), and the whole event loop froze meanwhile.`
          : '-> it kept the main thread busy without awaiting (a loop that retries?), and the whole event loop froze meanwhile.',
        '   On the main thread, take the lock with `await this.mutex.lockAsync()`, whose waiting is Atomics.waitAsync; copy; unlock() in a finally.',
      );
    }
    // Clocks of two threads agree to well under a millisecond; 20 ms of slack, against a 300 ms hold.
    if (settledAt !== undefined && settledAt < releasedAt - 20) {
      fail(
        `snapshot() resolved ${ms(releasedAt - settledAt)} before another thread released the vector's lock: it read the contents in the middle of someone else's push.`,
        '-> a push writes the slot, then the length: a copy taken between the two sees a half-done push. Take the lock first',
        '   (`await this.mutex.lockAsync()`), copy, and unlock() in a finally.',
      );
    }
    if (settledAt === undefined) fail(`snapshot() was still waiting 2 s after the other thread released the lock: did unlock() wake it (and does lockAsync() wait on the right value)?`);
    if (contents?.length !== 1 || contents[0] !== pushed) {
      fail(
        `While snapshot() waited for the lock, the push in progress finished: ${pushed} in slot 0, the length from 0 to 1; then the holder let go. snapshot() returned [${contents?.join(', ') ?? ''}], not [${pushed}].`,
        '-> it looked at the vector before the lock was its own (the length, or a view of the slots, taken before `await lockAsync()`):',
        '   what it read may be stale by the time it holds the lock. Read the length and copy the slots after taking the lock, then unlock() in a finally.',
      );
    }
  });
});
