// Lesson 05: channels. A bounded channel moves messages fast and never holds more than its capacity
// (the producers wait: backpressure); an unbounded queue lets a fast producer pile everything up.
// Across threads, the pipeline's messages per second.
import { ms, perSecond, timeMs, type Row } from '../measure.ts';
import { loadSolution } from '../solutions.ts';

interface Channel<T> {
  readonly size: number;
  send(value: T): Promise<void>;
  recv(): Promise<IteratorResult<T, undefined>>;
  close(): void;
}

interface ChannelModule {
  Channel: new <T>(capacity: number) => Channel<T>;
}

interface Job {
  id: number;
  units: number;
  seed: number;
}

interface PipelineModule {
  processOnThreads(jobs: Iterable<Job>, output: Channel<unknown>, options: { threads: number; maxInFlight: number }): Promise<void>;
}

const PRODUCERS = 4;
const PER_PRODUCER = 25_000;
const CAPACITY = 64;
const JOBS = 10_000;

export async function lesson05(): Promise<Row[]> {
  const reference = await loadSolution<ChannelModule>('05-channels/channel.ts', ['Channel']);
  const unbounded = await loadSolution<ChannelModule>('05-channels/wrong/unbounded-queue/channel.ts', ['Channel']);
  const oneThread = async (module: ChannelModule) => {
    const channel = new module.Channel<number>(CAPACITY);
    let peak = 0;
    let received = 0;
    const elapsed = await timeMs(async () => {
      const producers = Array.from({ length: PRODUCERS }, async (_, p) => {
        for (let i = 0; i < PER_PRODUCER; i++) {
          await channel.send(p * PER_PRODUCER + i);
          peak = Math.max(peak, channel.size);
        }
      });
      const consumer = (async () => {
        for (let next = await channel.recv(); !next.done; next = await channel.recv()) received++;
      })();
      await Promise.all(producers);
      channel.close();
      await consumer;
    });
    return `${perSecond(received, elapsed)} messages, at most ${peak} buffered`;
  };
  const rows: Row[] = [
    {
      group: '05 channels',
      what: `one thread: ${PRODUCERS} producers x ${PER_PRODUCER / 1000}k messages, capacity ${CAPACITY} (reference vs unbounded queue)`,
      reference: await oneThread(reference),
      wrong: await oneThread(unbounded),
      point: 'bounded: the producers wait for room; unbounded: everything piles up in memory',
    },
  ];

  const pipeline = await loadSolution<PipelineModule>('05-channels/pipeline.ts', ['processOnThreads']);
  // processOnThreads starts its own pool: a run of one job measures that start, to take it out.
  const throughThreads = async (count: number) => {
    const output = new reference.Channel<unknown>(CAPACITY);
    let results = 0;
    const elapsed = await timeMs(async () => {
      const jobs = Array.from({ length: count }, (_, id) => ({ id, units: 0, seed: id + 1 }));
      const consumer = (async () => {
        for (let next = await output.recv(); !next.done; next = await output.recv()) results++;
      })();
      await pipeline.processOnThreads(jobs, output, { threads: 2, maxInFlight: CAPACITY });
      await consumer;
    });
    return { elapsed, results };
  };
  const start = await throughThreads(1);
  const all = await throughThreads(JOBS);
  rows.push({
    group: '05 channels',
    what: `across threads: ${JOBS / 1000}k jobs through the pipeline's 2 worker threads (no CPU work)`,
    reference: `${perSecond(all.results - 1, all.elapsed - start.elapsed)} messages (${all.results} delivered; pool start, ${ms(start.elapsed)}, left out)`,
    wrong: '–',
    point: 'a message that crosses a thread costs a structured clone and a wake-up: far fewer per second than within one',
  });
  return rows;
}
