import { afterAll, describe, expect, it } from 'vitest';
import { BareThreads, compareSpeedup, describeSpeedup, parallelThreads, timed, tsxExecArgv } from './parallel.ts';

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));

describe('parallel speed-up helpers', () => {
  let bare: BareThreads | undefined;
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
    bare = await BareThreads.start(2);
    expect(bare.pool.threads).toHaveLength(2);
    const one = await bare.timeOne(5);
    const all = await bare.timeAll(5);
    expect(one).toBeGreaterThan(0);
    expect(all).toBeGreaterThan(0);
  });

  it('compares the code under test with the bare threads, best of the rounds', async () => {
    bare ??= await BareThreads.start(2);
    let inputs = 0;
    // Sleeps, not CPU work: a 4x "speed-up" that no busy machine can take away.
    const comparison = await compareSpeedup({
      bare,
      units: 5,
      rounds: 2,
      input: () => ++inputs,
      one: () => sleep(200),
      all: () => sleep(50),
    });
    expect(inputs).toBe(4);
    expect(comparison.rounds).toBe(2);
    expect(comparison.code.speedup).toBeGreaterThan(2);
    expect(comparison.code.oneMs).toBeGreaterThanOrEqual(190);
    expect(describeSpeedup(comparison, 'sleeper')).toMatch(/sleeper\s+1 thread\s+\d+ ms\s+2 threads/);
  });

  it('times a piece of work', async () => {
    expect(await timed(() => sleep(20))).toBeGreaterThanOrEqual(15);
  });
});
