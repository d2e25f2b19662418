import { afterEach, describe, expect, it, vi } from 'vitest';
import { KataError, fail } from '../words/explain.ts';
import { runUntilIdle, track, useFakeClock } from './fake-time.ts';
import { SimulatedIo } from './io.ts';
import { chooseSeed, explore, fc } from './schedules.ts';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

/** A join written as "await each in turn": right for one task, wrong as soon as two overlap. */
async function sequentialJoin(io: SimulatedIo, latencies: readonly number[]): Promise<void> {
  for (const [i, latencyMs] of latencies.entries()) await io.call(`task ${i}`, { latencyMs });
}

const latencies = fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 5 });

async function joinTakesTheSlowest(join: (io: SimulatedIo, l: readonly number[]) => Promise<unknown>, seed = 7) {
  return explore({
    seed,
    runs: 30,
    cases: latencies,
    describe: (l) => `latencies ${l.join(', ')} ms`,
    check: async (l) => {
      useFakeClock();
      const io = new SimulatedIo();
      const result = track(join(io, l));
      await runUntilIdle(10_000);
      const expected = Math.max(...l);
      if (result.settledAtMs !== expected) fail(`The join took ${result.settledAtMs} ms; the slowest task takes ${expected} ms.`, io.draw());
    },
    cleanup: () => vi.useRealTimers(),
  });
}

describe('explore', () => {
  it('passes when every case holds', async () => {
    await joinTakesTheSlowest((io, l) => Promise.all(l.map((latencyMs, i) => io.call(`task ${i}`, { latencyMs }))));
  });

  it('reports the learner\'s message first, then the shrunk case, the seed and the line that replays it', async () => {
    const error = await joinTakesTheSlowest(sequentialJoin).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KataError);
    const message = (error as Error).message;
    expect(message.startsWith('The join took')).toBe(true);
    // Shrunk to the smallest failing case: two tasks of 1 ms each, one after the other.
    expect(message).toContain('latencies 1, 1 ms');
    expect(message).toMatch(/task 1 \|·+█+\| 1-2 ms/);
    expect(message).toMatch(/seed 7, case \d+ of 30/);
    const replay = /KATA_SEED=(7:[\d:]+) npx vitest run --project kata checker\/harness\/time\/schedules\.test\.ts -t '(.+)'/.exec(message);
    expect(replay?.[2]).toContain('reports the learner');
    vi.stubEnv('KATA_SEED', replay?.[1] ?? '');
    const again = await joinTakesTheSlowest(sequentialJoin).catch((e: unknown) => e);
    expect((again as Error).message).toContain('latencies 1, 1 ms');
    expect((again as Error).message).toContain(`replayed from KATA_SEED=${replay?.[1]}`);
  });

  it('is deterministic: the same seed finds the same case', async () => {
    const first = await joinTakesTheSlowest(sequentialJoin, 99).catch((e: unknown) => (e as Error).message);
    const second = await joinTakesTheSlowest(sequentialJoin, 99).catch((e: unknown) => (e as Error).message);
    expect(first).toBe(second);
  });

  it('reports an unwritten step as itself', async () => {
    const todo = new Error('TODO step 9: not yet');
    const error = await explore({ seed: 1, cases: fc.constant(1), check: () => Promise.reject(todo) }).catch((e: unknown) => e);
    expect(error).toBe(todo);
  });
});

describe('chooseSeed', () => {
  it('keeps the defaults, or reads KATA_SEED and KATA_RUNS', () => {
    expect(chooseSeed({ seed: 3, runs: 40 }, {})).toEqual({ seed: 3, runs: 40 });
    expect(chooseSeed({ seed: 3, runs: 40 }, { KATA_SEED: '12', KATA_RUNS: '500' })).toEqual({ seed: 12, runs: 500 });
    expect(chooseSeed({ seed: 3, runs: 40 }, { KATA_SEED: '12:0:1:3' })).toEqual({ seed: 12, path: '0:1:3', runs: 40 });
  });

  it('says what is wrong with a bad value', () => {
    expect(() => chooseSeed({ seed: 1, runs: 1 }, { KATA_SEED: 'abc' })).toThrow(/KATA_SEED must be a whole number/);
    expect(() => chooseSeed({ seed: 1, runs: 1 }, { KATA_RUNS: '0' })).toThrow(/KATA_RUNS must be a whole number >= 1/);
  });
});

describe('runUntilIdle', () => {
  it('fires timers in order and lets promises settle between them', async () => {
    useFakeClock();
    const seen: string[] = [];
    setTimeout(() => {
      seen.push('a at 10');
      void Promise.resolve().then(() => seen.push('a then'));
    }, 10);
    setTimeout(() => seen.push('b at 10'), 10);
    setTimeout(() => seen.push('c at 30'), 30);
    const quiet: number[] = [];
    await runUntilIdle(1_000, () => quiet.push(performance.now()));
    expect(seen).toEqual(['a at 10', 'a then', 'b at 10', 'c at 30']);
    expect(quiet.length).toBe(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops once the clock passes the limit', async () => {
    useFakeClock();
    const tick = setInterval(() => undefined, 10);
    const start = performance.now();
    await runUntilIdle(100);
    expect(performance.now() - start).toBeLessThanOrEqual(110);
    clearInterval(tick);
  });
});
