// Reference solution for exercise 05, step 2: the CPU stage, on a worker thread.
import { threadId } from 'node:worker_threads';
import { checksum, type Job, type Result } from './pipeline.ts';

export default function runJob(job: Job): Result {
  return { id: job.id, checksum: checksum(job), threadId };
}
