// Exercise 05, step 2: a pipeline across threads, with a bound on what is in flight. The worker side is
// pipeline.worker.ts. Replace each `throw` with your code. The types are the contract: keep the signatures.
import { reportWork } from '../../checker/harness/threads/work-log.ts';
import type { Channel } from './channel.ts';

// ---- Given: the jobs, their results, and the CPU work the worker threads do. No need to change them. ----

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

// ---- Your part. ----

/**
 * Runs every job through pipeline.worker.ts on `threads` worker threads (a piscina pool) and sends the
 * results to `output` in the order of the jobs, then closes `output`. Takes a job from the source only
 * when fewer than `maxInFlight` are between the source and the output. If a job fails: close `output`
 * with the error and reject with it. Either way, no worker thread is left running.
 */
export async function processOnThreads(
  jobs: AsyncIterable<Job> | Iterable<Job>,
  output: Channel<Result>,
  options: PipelineOptions,
): Promise<void> {
  throw new Error('TODO step 2: feed the jobs to the threads, a few at a time, and deliver the results in order');
}
