// Correct alternative for exercise 05, step 2: the pipeline on worker threads of our own instead of a
// piscina pool, started with the kata's startWorker (a raw Worker on a .ts file). The window, the order
// and the shutdown are the reference's; the crew below is the little pool it needs: each thread takes
// one job at a time, the rest wait in a queue, and a thread's reply (or error) settles its job.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../../../checker/harness/threads/ts-worker.ts';
import type { Channel } from '../../channel.ts';
import type { Job, PipelineOptions, Result } from '../../pipeline.ts';
import type { Reply } from './pipeline.worker.ts';
export * from '../../pipeline.ts';

interface Pending {
  job: Job;
  resolve: (result: Result) => void;
  reject: (reason: unknown) => void;
}

class Crew {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private readonly workers: Worker[];

  constructor(threads: number) {
    this.workers = Array.from({ length: threads }, () => this.start());
    this.idle.push(...this.workers);
  }

  run(job: Job): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Ends every thread (a job still on one never settles: the pipeline waits for its window first). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private start(): Worker {
    const worker = startWorker(new URL('./pipeline.worker.ts', import.meta.url));
    worker.on('message', (reply: Reply) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      this.idle.push(worker);
      if ('error' in reply) pending?.reject(reply.error);
      else pending?.resolve(reply.result);
      this.dispatch();
    });
    worker.on('error', (error) => {
      this.busy.get(worker)?.reject(error);
      this.busy.delete(worker);
    });
    return worker;
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift()!;
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      worker.postMessage(pending.job);
    }
  }
}

export async function processOnThreads(
  jobs: AsyncIterable<Job> | Iterable<Job>,
  output: Channel<Result>,
  options: PipelineOptions,
): Promise<void> {
  const crew = new Crew(options.threads);
  const window: Promise<Result>[] = [];
  try {
    for await (const job of jobs) {
      const task = crew.run(job);
      task.catch(() => undefined); // handled when its turn comes
      window.push(task);
      while (window.length >= options.maxInFlight) await output.send(await window.shift()!);
    }
    while (window.length > 0) await output.send(await window.shift()!);
    output.close();
  } catch (error) {
    output.close(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    await Promise.allSettled(window);
    await crew.close();
  }
}
