// Correct alternative for exercise 05, step 2, the worker side: a raw worker thread's whole script.
// Each job in, its result (or its error, which crosses a thread as a structured clone) out.
import { parentPort, threadId } from 'node:worker_threads';
import { checksum, type Job, type Result } from '../../pipeline.ts';

export type Reply = { result: Result } | { error: unknown };

parentPort?.on('message', (job: Job) => {
  let reply: Reply;
  try {
    reply = { result: { id: job.id, checksum: checksum(job), threadId } };
  } catch (error) {
    reply = { error };
  }
  parentPort?.postMessage(reply);
});
