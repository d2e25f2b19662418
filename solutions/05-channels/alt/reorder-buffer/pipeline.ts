// Reference solution for exercise 05, step 2: a pipeline across threads, with a bound on what is in flight.
import { Piscina } from 'piscina';
import { reportWork } from '../../../../checker/harness/threads/work-log.ts';
import type { Channel } from '../../channel.ts';

// ---- Given: the jobs, their results, and the CPU work the worker threads do. ----

/** One image to process: `units` sizes the CPU work, `seed` makes every job's answer different. */
export interface Job {
  id: number;
  units: number;
  seed: number;
}

/** What the worker thread sends back: the job's id, the answer, and which thread computed it. */
export interface Result {
  id: number;
  checksum: number;
  threadId: number;
}

export interface PipelineOptions {
  /** Worker threads for the CPU stage. */
  threads: number;
  /** At most this many jobs taken from the source and not yet delivered to the output. */
  maxInFlight: number;
}

/** Every `checksum` call reports itself under this label (see below). */
export const CHECKSUM_LABEL = 'checksum';

/**
 * The CPU stage: a fixed amount of work per unit (xorshift), the same on every machine. Throws for units < 0.
 * About `reportWork`: every checksum, in whichever thread it runs, announces its start and its end (like
 * a tracing span), so the tests see which jobs ran on which thread, and whether one was cut off: a job
 * whose thread is ended under it starts and never ends. It costs two tiny messages per job.
 */
export function checksum(job: Job): number {
  if (job.units < 0) throw new RangeError(`job ${job.id}: units must be >= 0, got ${job.units}`);
  const done = reportWork(CHECKSUM_LABEL, { job: job.id });
  let x = job.seed >>> 0 || 1;
  for (let i = 0; i < job.units * 10_000; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
  }
  done();
  return x;
}

// ---- The learner's part. ----

/**
 * Runs every job through pipeline.worker.ts on `threads` worker threads and sends the results to
 * `output` in the order of the jobs, then closes `output`. Takes a job from the source only when fewer
 * than `maxInFlight` are between the source and the output. If a job fails: close `output` with the
 * error and reject with it. Either way, no worker thread is left running.
 */
export function processOnThreads(
  jobs: AsyncIterable<Job> | Iterable<Job>,
  output: Channel<Result>,
  options: PipelineOptions,
): Promise<void> {
  const pool = new Piscina({
    filename: new URL('../../pipeline.worker.ts', import.meta.url).href,
    minThreads: options.threads,
    maxThreads: options.threads,
  });
  return processWithPool(pool, jobs, output, options);
}

/**
 * The pipeline on a given pool, which it shuts down at the end. Results are kept by sequence number as they
 * finish (in any order) and handed on in job order; at most maxInFlight jobs are taken and not yet handed on.
 */
export async function processWithPool(
  pool: Piscina,
  jobs: AsyncIterable<Job> | Iterable<Job>,
  output: Channel<Result>,
  options: PipelineOptions,
): Promise<void> {
  const running: Promise<void>[] = [];
  const ready = new Map<number, Result>();
  let taken = 0; // sequence number of the next job taken from the source
  let next = 0; // sequence number of the next result to hand on
  let failedAt = Number.POSITIVE_INFINITY; // the earliest job that failed
  let failure: unknown;
  let changed: () => void = () => undefined;

  // Hand on every result that is next in line; at the failed job, stop with its error.
  const flush = async () => {
    while (next < failedAt && ready.has(next)) {
      const result = ready.get(next)!;
      ready.delete(next);
      next++;
      await output.send(result);
    }
    if (next === failedAt) throw failure;
  };
  // Nothing to do until some job settles. Checked and armed in one synchronous step: no lost wake-up.
  const settled = () => (ready.has(next) || next >= failedAt ? Promise.resolve() : new Promise<void>((resolve) => (changed = resolve)));

  try {
    for await (const job of jobs) {
      const seq = taken++;
      running.push(
        (pool.run(job) as Promise<Result>).then(
          (result) => {
            ready.set(seq, result);
            changed();
          },
          (error: unknown) => {
            if (seq < failedAt) {
              failedAt = seq;
              failure = error;
            }
            changed();
          },
        ),
      );
      for (;;) {
        await flush();
        if (taken - next < options.maxInFlight) break;
        await settled();
      }
    }
    while (next < taken) {
      await flush();
      if (next < taken) await settled();
    }
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(running);
    await pool.destroy();
  }
}
