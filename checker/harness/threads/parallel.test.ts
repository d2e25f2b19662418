import { afterAll, describe, expect, it } from 'vitest';
import { CPU_WORK_LABEL } from './cpu.worker.ts';
import { cpuWork } from './cpu.ts';
import { BareThreads, describeCriticalPath, describeSpeedup, judgeCriticalPath, judgeParallelism, judgeSpeedup, measureRun, parallelThreads, timed, tsxExecArgv } from './parallel.ts';
import { listenToWork, reported, threadCpuMs } from './work-log.ts';

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

describe('parallel speed-up helpers', () => {
  let bare: BareThreads | undefined;
  const started = async () => (bare ??= await BareThreads.start(2));
  afterAll(async () => {
    await bare?.close();
  });

  it('asks for tsx only where this process does not already load it', () => {
    const argv = tsxExecArgv();
    if (process.execArgv.some((arg) => arg.includes('tsx'))) expect(argv).toBeUndefined();
    else expect(argv).toEqual(['--require', 'tsx/cjs']);
    expect(parallelThreads()).toBeGreaterThanOrEqual(2);
  });

  it('starts warm bare threads and times fixed work on one and on all of them', async () => {
    const threads = await started();
    expect(threads.pool.threads).toHaveLength(2);
    expect(await threads.timeOne(5)).toBeGreaterThan(0);
    expect(await threads.timeAll(5)).toBeGreaterThan(0);
  });

  // Sleeps, not CPU work, stand in for the code under test: a 10x "speed-up" (or a loss) that no busy
  // machine can change. `minMachine` decides whether the bare threads' result counts.
  it('passes on the first conclusive attempt that reaches the share', async () => {
    let inputs = 0;
    const verdict = await judgeSpeedup({
      bare: await started(),
      minMachine: 0,
      minShare: 0,
      input: () => ++inputs,
      // Ten times: a busy machine's late timers do not bring it under 2x (4x failed once beside five other proofs).
      one: () => sleep(200),
      all: () => sleep(20),
    });
    expect(verdict.outcome).toBe('faster');
    expect(verdict.attempts).toHaveLength(1);
    expect(inputs).toBe(2);
    expect(verdict.attempts[0]?.code.speedup).toBeGreaterThan(2);
    expect(describeSpeedup(verdict, 'sleeper')).toMatch(/attempt 1 .*\d+ ms .*x/);
  });

  it('is "slower" when every conclusive attempt falls short, "inconclusive" when none counts', async () => {
    // All threads three times slower than one: no timer's lateness on a busy machine turns that into a gain (it failed in CI with 20 ms each).
    const same = { input: () => 0, one: () => sleep(20), all: () => sleep(60) };
    const slower = await judgeSpeedup({ bare: await started(), minMachine: 0, minShare: 10, attempts: 2, ...same });
    expect(slower.outcome).toBe('slower');
    expect(slower.attempts).toHaveLength(2);
    const unknown = await judgeSpeedup({ bare: await started(), minMachine: 100, attempts: 2, ...same });
    expect(unknown.outcome).toBe('inconclusive');
    expect(describeSpeedup(unknown)).toContain('inconclusive');
  });

  it('times a piece of work', async () => {
    expect(await timed(() => sleep(20))).toBeGreaterThanOrEqual(15);
  });

  // CPU times from the kernel: the same verdict on a quiet machine and on a very busy one.
  it('measures a run\'s critical path: calling thread\'s CPU plus the longest piece elsewhere', async (ctx) => {
    ctx.skip(threadCpuMs() === undefined, 'this system does not report per-thread CPU time (/proc/thread-self/schedstat)');
    const threads = await started();
    const log = listenToWork();
    try {
      // Tens of ms each: with a few ms, a thread's fixed costs (start-up, the JIT warming up) weigh as much as the work.
      const run = await measureRun(log, CPU_WORK_LABEL, () => Promise.all([threads.pool.run({ units: 300 }), threads.pool.run({ units: 100 })]));
      expect(run?.pieces).toHaveLength(2);
      const [long, short] = [...(run?.pieces ?? [])].sort((a, b) => (b.cpuMs ?? 0) - (a.cpuMs ?? 0));
      // Three times the work, about three times the CPU time, whatever the wall clock says.
      expect((long?.cpuMs ?? 0) / (short?.cpuMs ?? 1)).toBeGreaterThan(2);
      expect(run?.criticalMs).toBeCloseTo((run?.mainCpuMs ?? 0) + (long?.cpuMs ?? 0), 6);
    } finally {
      log.close();
    }
  });

  it('judges work split over two threads faster than the same work in one piece, and one piece not', async (ctx) => {
    ctx.skip(threadCpuMs() === undefined, 'this system does not report per-thread CPU time (/proc/thread-self/schedstat)');
    const threads = await started();
    const log = listenToWork();
    try {
      // Enough work (tens of ms) that the main thread's own share of the critical path stays small.
      const one = () => threads.pool.run({ units: 400 });
      const all = () => Promise.all([threads.pool.run({ units: 200 }), threads.pool.run({ units: 200 })]);
      const split = await judgeCriticalPath({ log, label: CPU_WORK_LABEL, input: () => 0, one, all });
      expect(split.outcome, describeCriticalPath(split)).toBe('faster');
      expect(describeCriticalPath(split)).toMatch(/longest of 2 pieces/);
      // The same through judgeParallelism, which also checks that the halves ran at the same time.
      const parallel = await judgeParallelism({ log, label: CPU_WORK_LABEL, input: () => 0, one, all, attempts: 1, bare: () => Promise.resolve(threads) });
      expect(parallel).toMatchObject({ outcome: 'faster', clock: 'cpu' });
      expect(parallel.shown.parallel).toBe(true);
      const whole = await judgeCriticalPath({ log, label: CPU_WORK_LABEL, input: () => 0, one, all: one });
      expect(whole.outcome).toBe('slower');
      expect(whole.median?.speedup).toBeLessThan(1.3);
    } finally {
      log.close();
    }
  });
});

// The verdict the speed-up tests of the exercises rest on, on both of its paths: each thread's CPU time
// (Linux), and the wall-clock fallback for systems without it, forced here so it runs on every machine.
// Pieces that sleep (no CPU) make the structure deterministic and quick; the speed itself is judged with
// real CPU work on the CPU-time path, and with sleeps (and no machine baseline required) on the wall path.
describe('judgeParallelism: a speed-up counts only if the pieces ran at the same time on different threads', () => {
  let two: BareThreads | undefined;
  let one: BareThreads | undefined;
  let other: BareThreads | undefined;
  const log = listenToWork();
  afterAll(async () => {
    log.close();
    await Promise.all([two?.close(), one?.close(), other?.close()]);
  });
  const pools = async () => {
    two ??= await BareThreads.start(2);
    one ??= await BareThreads.start(1);
    other ??= await BareThreads.start(1);
    return { two, one, other };
  };
  const nap = (ms: number) => ({ units: 0, sleepMs: ms });
  const judge = async (clock: 'auto' | 'wall', all: () => Promise<unknown>, one?: () => Promise<unknown>) => {
    const { two: pool } = await pools();
    return await judgeParallelism({
      log,
      label: CPU_WORK_LABEL,
      clock,
      // The structure shows in every attempt; the real speed-up gets the usual three.
      attempts: one ? 3 : 1,
      input: () => 0,
      one: one ?? (() => pool.pool.run(nap(40))),
      all,
      // The wall path's own arithmetic is tested above; here, any gain of the machine counts.
      minMachine: 0,
      minShare: 0,
      bare: async () => (await pools()).two,
    });
  };

  it('wall clocks (forced): halves on two threads at once are judged beside bare threads', async () => {
    const { two: pool } = await pools();
    const verdict = await judge('wall', () => Promise.all([pool.pool.run(nap(20)), pool.pool.run(nap(20))]));
    expect(verdict.clock).toBe('wall');
    expect(verdict.outcome, verdict.wall && describeSpeedup(verdict.wall)).toBe('faster');
    expect(verdict.shown.parallel).toBe(true);
  });

  for (const clock of ['auto', 'wall'] as const) {
    const path = clock === 'wall' ? 'wall clocks (forced)' : 'CPU times where the system has them';
    it(`${path}: halves awaited one after the other are "one-after-another", whatever the arithmetic`, async () => {
      const { one: first, other: second } = await pools();
      // Two threads (two pools of one), the second half handed out only once the first is done.
      const verdict = await judge(clock, async () => {
        await first.pool.run(nap(20));
        await second.pool.run(nap(20));
      });
      expect(verdict.outcome).toBe('one-after-another');
      expect(verdict.shown.pieces).toHaveLength(2);
      expect(verdict.shown.overlap.togetherMs).toBe(0);
    });

    it(`${path}: a pool of one thread is "one-thread", one piece "one-piece", work on the caller "on-caller"`, async () => {
      const { one: single, two: pool } = await pools();
      expect((await judge(clock, () => Promise.all([single.pool.run(nap(20)), single.pool.run(nap(20))]))).outcome).toBe('one-thread');
      // A two-thread pool given one half at a time runs both on the thread that is free: one thread too.
      const inTurn = await judge(clock, async () => {
        await pool.pool.run(nap(20));
        await pool.pool.run(nap(20));
      });
      expect(inTurn.outcome).toMatch(/^(one-thread|one-after-another)$/);
      expect((await judge(clock, () => pool.pool.run(nap(40)))).outcome).toBe('one-piece');
      const onCaller = await judge(clock, () => Promise.resolve(reported(CPU_WORK_LABEL, () => cpuWork(20))));
      expect(onCaller.outcome).toBe('on-caller');
      expect(onCaller.shown.onCaller).toHaveLength(1);
    });
  }
});
