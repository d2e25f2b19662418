// Known-wrong: raw worker threads whose cancel thinks only of the running job: it terminates the thread
// running it (and replaces it) and rejects the caller's promise, but a job still waiting in the queue
// is left there: the caller was told "aborted", and a thread later downscales it all the same.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../../../checker/harness/threads/ts-worker.ts';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import type { Reply, Request } from './resize.worker.ts';

export interface ResizerOptions {
  /** How many worker threads the pool has. Default: one per core, `os.availableParallelism()`. */
  threads?: number;
}

export interface ResizeOptions {
  /** Step 4: aborting it cancels the resize, even while a worker is in the middle of it. */
  signal?: AbortSignal;
}

const WORKER = new URL('./resize.worker.ts', import.meta.url);

class AbortError extends Error {
  override name = 'AbortError';
}

interface Job {
  id: number;
  image: RgbaImage;
  resolve: (pixels: Uint8Array) => void;
  reject: (reason: unknown) => void;
  /** Stops listening to the job's signal once the job is settled. */
  done: () => void;
}

interface Thread {
  worker: Worker;
  job?: Job;
}

export class ImageResizer {
  private readonly threads: Thread[] = [];
  private readonly queue: Job[] = [];
  /** Every task accepted and not finished: what close() waits for. */
  private readonly accepted = new Set<Promise<unknown>>();
  private closed = false;
  private nextId = 0;

  constructor(options: ResizerOptions = {}) {
    // One thread per core, every one started now: a fresh worker needs a few hundred ms to load its file.
    const count = options.threads ?? os.availableParallelism();
    for (let i = 0; i < count; i++) this.threads.push(this.spawn());
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const pixels = await this.run(image, options.signal);
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const outRowsPerStripe = Math.max(1, Math.ceil(outHeight / this.threads.length));
    const stripes: { outRow: number; pixels: Promise<Uint8Array> }[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += outRowsPerStripe) {
      const rows = 2 * Math.min(outRowsPerStripe, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      stripes.push({ outRow, pixels: this.run({ width, height: rows, data: image.data.slice(start, start + rows * width * 4) }) });
    }
    const results = await Promise.all(stripes.map((stripe) => stripe.pixels));
    const out = new Uint8Array(outWidth * outHeight * 4);
    results.forEach((pixels, i) => out.set(pixels, (stripes[i]?.outRow ?? 0) * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.accepted);
    await Promise.all(this.threads.map((thread) => thread.worker.terminate()));
  }

  private run(image: RgbaImage, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('ImageResizer is closed: it takes no more work'));
    if (signal?.aborted) return Promise.reject(new AbortError('The resize was aborted before it started'));
    const result = new Promise<Uint8Array>((resolve, reject) => {
      const job: Job = { id: this.nextId++, image, resolve, reject, done: () => undefined };
      if (signal) {
        const onAbort = () => this.cancel(job);
        signal.addEventListener('abort', onAbort, { once: true });
        job.done = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(job);
    });
    this.accepted.add(result);
    const forget = () => this.accepted.delete(result);
    result.then(forget, forget);
    this.dispatch();
    return result;
  }

  /** Gives queued jobs to idle threads; the pixels move to the thread (transfer list). */
  private dispatch(): void {
    for (const thread of this.threads) {
      if (thread.job || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      thread.job = job;
      thread.worker.postMessage({ id: job.id, image: job.image } satisfies Request, [job.image.data.buffer as ArrayBuffer]);
    }
  }

  private spawn(): Thread {
    const thread: Thread = { worker: startWorker(WORKER) };
    thread.worker.on('message', (reply: Reply) => {
      const job = thread.job;
      if (!job || job.id !== reply.id) return;
      thread.job = undefined;
      job.done();
      job.resolve(reply.pixels);
      this.dispatch();
    });
    thread.worker.on('error', (error) => {
      const job = thread.job;
      thread.job = undefined;
      job?.done();
      job?.reject(error);
      this.replace(thread);
    });
    return thread;
  }

  /** A running job ends with its thread, which a fresh one replaces. */
  private cancel(job: Job): void {
    job.done();
    const thread = this.threads.find((t) => t.job === job);
    if (thread) {
      thread.job = undefined;
      void thread.worker.terminate();
      this.replace(thread);
    }
    job.reject(new AbortError('The resize was aborted'));
  }

  private replace(thread: Thread): void {
    const index = this.threads.indexOf(thread);
    // Also while close() drains: the resizes it waits for still need every thread (close() ends the fresh one too).
    if (index === -1) return;
    this.threads[index] = this.spawn();
    this.dispatch();
  }
}
