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

/** The pipeline on a given pool, which it shuts down at the end. A hook: a known-wrong variant brings its own pool. */
export async function processWithPool(
  pool: Piscina,
  jobs: AsyncIterable<Job> | Iterable<Job>,
  output: Channel<Result>,
  options: PipelineOptions,
): Promise<void> {
  // Jobs sent to the threads, oldest first: results leave in this order, whatever finishes first.
  const window: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      const task = pool.run(job) as Promise<Result>;
      task.catch(() => undefined); // handled when its turn comes; no unhandled rejection meanwhile
      window.push(task);
      // Full window: deliver the oldest before taking another job. This is the bound, and the backpressure:
      // a slow consumer makes output.send wait, so no new job is taken.
      while (window.length > options.maxInFlight) await output.send(await window.shift()!);
    }
    while (window.length > 0) await output.send(await window.shift()!);
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    // Let the jobs still on the threads finish before shutting the pool down: destroying it under a
    // running task races with that task's answer (piscina then reports an "unexpected message" error).
    await Promise.allSettled(window);
    await pool.destroy();
  }
}
