import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModifyWrites } from './atomics-census.ts';
import { GATED_LABEL, GatedPool, RESULT_LABEL, atomicsOf, metAtGate } from './gated-pool.ts';
import { describeRace, judgeRace, type RaceRun } from './race.ts';
import type { BufferTask, CountTask } from './race.fixture.worker.ts';
import { listenToWork, wallClock } from './work-log.ts';

const pool = new GatedPool(new URL('./race.fixture.worker.ts', import.meta.url).href, 2);
const log = listenToWork();
beforeAll(async () => {
  // Warm both threads up (a cold TypeScript worker takes ~200 ms, far more on a busy machine): a gate
  // of 500 ms must not be timed against a thread that is still starting.
  const counter = new Int32Array(new SharedArrayBuffer(4));
  await Promise.all([1, 2].map(() => pool.run({ counter, times: 1, mode: 'atomic' } satisfies CountTask)));
});
afterAll(async () => {
  log.close();
  await pool.destroy();
});

/** One race: two tasks of `size` increments, handed out at once (or one after the other). */
const race = (mode: CountTask['mode'], inTurn = false) => async (size: number): Promise<RaceRun> => {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const since = wallClock();
  pool.gateNext(2, 100);
  const task = { counter, times: size, mode } satisfies CountTask;
  if (inTurn) for (let i = 0; i < 2; i++) await pool.run(task);
  else await Promise.all([pool.run(task), pool.run(task)]);
  return { expected: 2 * size, actual: counter[0]!, spans: await log.settled({ since, label: GATED_LABEL }, { atLeast: 2 }) };
};

describe('GatedPool', () => {
  it('hands the tasks to the exercise worker, and reports each gated one with its Atomics calls', async () => {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    expect(await pool.run({ counter, times: 5, mode: 'atomic' } satisfies CountTask), 'an ungated task').toBe(5);
    const since = wallClock();
    pool.gateNext(2);
    await Promise.all([pool.run({ counter, times: 10, mode: 'atomic' }), pool.run({ counter, times: 10, mode: 'plain' })]);
    const spans = await log.settled({ since, label: GATED_LABEL }, { atLeast: 2 });
    expect(spans).toHaveLength(2);
    expect(spans.every(metAtGate)).toBe(true);
    expect(spans.map((span) => readModifyWrites(atomicsOf(span))).sort()).toEqual([0, 10]);
    expect(new Set(spans.map((span) => span.threadId)).size).toBe(2);
  });

  it('reports a buffer answer: moved back with Piscina.move, or copied', async () => {
    const since = wallClock();
    const moved = (await pool.run({ bytes: 64, move: true } satisfies BufferTask)) as Uint8Array;
    const copied = (await pool.run({ bytes: 32, move: false } satisfies BufferTask)) as Uint8Array;
    expect([moved.length, copied.length]).toEqual([64, 32]);
    const fates = await log.waitFor((spans) => spans.length === 2 && spans.every((s) => s.resultMoved !== undefined), { since, label: RESULT_LABEL });
    expect(fates).toBe(true);
    const spans = log.spans({ since, label: RESULT_LABEL });
    expect(spans.map((s) => [s.detail?.bytes, s.resultMoved])).toEqual([
      [64, true],
      [32, false],
    ]);
  });
});

describe('judgeRace', () => {
  it('catches a read-then-write update losing writes, every time', async () => {
    const verdict = await judgeRace({ run: race('plain'), startSize: 250_000, maxSize: 16_000_000 });
    expect(verdict.outcome, describeRace(verdict)).toBe('lost');
    expect(verdict.decisive.expected - verdict.decisive.actual).toBeGreaterThan(0);
    expect(readModifyWrites(verdict.decisive.atomics)).toBe(0);
    expect(describeRace(verdict)).toMatch(/lost; the threads were under way together for \d+ ms/);
  });

  it('lets an atomic update hold, after enough attempts in which the threads were together', async () => {
    const verdict = await judgeRace({ run: race('atomic'), startSize: 250_000, maxSize: 16_000_000 });
    expect(verdict.outcome, describeRace(verdict)).toBe('held');
    expect(verdict.counted).toBe(4);
    expect(verdict.attempts.every((a) => a.actual === a.expected)).toBe(true);
    expect(verdict.decisive.atomics.add).toBe(2 * verdict.decisive.size);
  });

  it('says so when the tasks were handed out one after the other', async () => {
    const verdict = await judgeRace({ run: race('atomic', true), startSize: 1_000, maxSize: 1_000 });
    expect(verdict.outcome).toBe('one-after-another');
    expect(verdict.attempts).toHaveLength(2);
    expect(verdict.decisive.together).toBe(false);
  });
});
