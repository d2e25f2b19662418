// Exercise 05, step 2: the CPU stage, on a worker thread. Piscina calls the default export with each job
// and sends back what it returns (or the error it throws). Return { id, checksum: checksum(job), threadId },
// with threadId from 'node:worker_threads'.
import type { Job, Result } from './pipeline.ts';

export default function runJob(job: Job): Result {
  throw new Error(`TODO step 2: compute job ${job.id} and say which thread did it`);
}
