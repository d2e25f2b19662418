// Lesson 01: joining waits. Ten 50 ms waits joined take one wait; awaited one by one, ten.
import { SimulatedIo } from '../../checker/harness/index.ts';
import { ms, timeMs, type Row } from '../measure.ts';
import { loadSolution } from '../solutions.ts';

interface Join {
  loadAll<T>(tasks: readonly (() => Promise<T>)[]): Promise<T[]>;
}

const WAITS = 10;
const LATENCY = 50;

export async function lesson01(): Promise<Row[]> {
  const reference = await loadSolution<Join>('01-async-join/join.ts', ['loadAll']);
  const wrong = await loadSolution<Join>('01-async-join/wrong/await-in-loop/join.ts', ['loadAll']);
  const run = async (join: Join) => {
    const io = new SimulatedIo(LATENCY);
    const tasks = Array.from({ length: WAITS }, (_, i) => () => io.call(`task ${i}`));
    const elapsed = await timeMs(() => join.loadAll(tasks));
    return `${ms(elapsed)} (${io.inFlight.peak} at once)`;
  };
  return [
    {
      group: '01 async join',
      what: `join ${WAITS} waits of ${LATENCY} ms (reference vs await in a loop)`,
      reference: await run(reference),
      wrong: await run(wrong),
      point: `joined: one wait, not ${WAITS}`,
    },
  ];
}
