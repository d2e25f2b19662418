import { afterAll, describe, expect, it } from 'vitest';
import { CPU_WORK_LABEL } from './cpu.worker.ts';
import { BareThreads, describeCriticalPath, describeSpeedup, judgeCriticalPath, judgeSpeedup, measureRun, parallelThreads, timed, tsxExecArgv } from './parallel.ts';
import { listenToWork, threadCpuMs } from './work-log.ts';

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
    else expect(argv).toEqual(['--import', 'tsx']);
    expect(parallelThreads()).toBeGreaterThanOrEqual(2);
  });

  it('starts warm bare threads and times fixed work on one and on all of them', async () => {
    const threads = await started();
    expect(threads.pool.threads).toHaveLength(2);
    expect(await threads.timeOne(5)).toBeGreaterThan(0);
    expect(await threads.timeAll(5)).toBeGreaterThan(0);
  });

  // Sleeps, not CPU work, stand in for the code under test: a 4x "speed-up" (or none) that no busy
  // machine can change. `minMachine` decides whether the bare threads' result counts.
  it('passes on the first conclusive attempt that reaches the share', async () => {
    let inputs = 0;
    const verdict = await judgeSpeedup({
      bare: await started(),
      minMachine: 0,
      minShare: 0,
      input: () => ++inputs,
      one: () => sleep(80),
      all: () => sleep(20),
    });
    expect(verdict.outcome).toBe('faster');
    expect(verdict.attempts).toHaveLength(1);
    expect(inputs).toBe(2);
    expect(verdict.attempts[0]?.code.speedup).toBeGreaterThan(2);
    expect(describeSpeedup(verdict, 'sleeper')).toMatch(/attempt 1 .*\d+ ms .*x/);
  });

  it('is "slower" when every conclusive attempt falls short, "inconclusive" when none counts', async () => {
    const same = { input: () => 0, one: () => sleep(20), all: () => sleep(20) };
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
      const run = await measureRun(log, CPU_WORK_LABEL, () => Promise.all([threads.pool.run({ units: 30 }), threads.pool.run({ units: 10 })]));
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
      const split = await judgeCriticalPath({ log, label: CPU_WORK_LABEL, input: () => 0, one, all: () => Promise.all([threads.pool.run({ units: 200 }), threads.pool.run({ units: 200 })]) });
      expect(split.outcome, describeCriticalPath(split)).toBe('faster');
      expect(describeCriticalPath(split)).toMatch(/longest of 2 pieces/);
      const whole = await judgeCriticalPath({ log, label: CPU_WORK_LABEL, input: () => 0, one, all: one });
      expect(whole.outcome).toBe('slower');
      expect(whole.median?.speedup).toBeLessThan(1.3);
    } finally {
      log.close();
    }
  });
});
