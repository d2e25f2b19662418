// Correct alternative for exercise 03: worker threads of our own, each one driven by an async loop of
// its own that takes the next job from one shared queue, posts it, and awaits the answer with
// events.once (the thread's 'message', or its 'exit' when a cancel or a failure ended it: then the loop
// starts a fresh thread in its place). close() tells the loops to stop once the queue is empty, and
// each loop terminates its thread on the way out.
import { once } from 'node:events';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../../../checker/harness/threads/ts-worker.ts';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface ResizerOptions {
  /** How many worker threads the pool has. Default: one per core, `os.availableParallelism()`. */
  threads?: number;
}

export interface ResizeOptions {
  /** Step 4: aborting it cancels the resize, even while a worker is in the middle of it. */
  signal?: AbortSignal;
}

const WORKER = new URL('./resize.worker.ts', import.meta.url);

interface Job {
  image: RgbaImage;
  signal: AbortSignal | undefined;
  resolve: (pixels: Uint8Array) => void;
  reject: (reason: unknown) => void;
  /** Stops the queue's listener on the signal (the job left the queue). */
  dequeued: () => void;
}

const abortError = (signal: AbortSignal) => new DOMException(`The resize was aborted${signal.reason instanceof Error ? `: ${signal.reason.message}` : ''}`, 'AbortError');

export class ImageResizer {
  private readonly queue: Job[] = [];
  /** Loops waiting for a job (the queue is empty): the next job, or undefined to stop. */
  private readonly idle: ((job: Job | undefined) => void)[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly size: number;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: ResizerOptions = {}) {
    this.size = options.threads ?? os.availableParallelism();
    // Each loop starts its thread at once (an async function runs up to its first await right now).
    for (let i = 0; i < this.size; i++) this.loops.push(this.loop());
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const pixels = await this.submit(image, options.signal);
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const per = Math.max(1, Math.ceil(outHeight / this.size));
    const parts: Promise<Uint8Array>[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += per) {
      const rows = 2 * Math.min(per, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      parts.push(this.submit({ width, height: rows, data: image.data.slice(start, start + rows * width * 4) }, undefined));
    }
    const out = new Uint8Array(outWidth * outHeight * 4);
    (await Promise.all(parts)).forEach((pixels, i) => out.set(pixels, i * per * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }

  close(): Promise<void> {
    this.closed = true;
    // Loops waiting now have nothing left to do; the others stop once the queue is empty.
    for (const wake of this.idle.splice(0)) wake(undefined);
    return (this.closing ??= Promise.all(this.loops).then(() => undefined));
  }

  private submit(image: RgbaImage, signal: AbortSignal | undefined): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('ImageResizer is closed: it takes no more work'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const job: Job = { image, signal, resolve, reject, dequeued: () => undefined };
      const wake = this.idle.shift();
      if (wake) return wake(job);
      this.queue.push(job);
      if (!signal) return;
      // A job still in the queue when its signal aborts leaves it; a running one is the loop's to stop.
      const onAbort = () => {
        this.queue.splice(this.queue.indexOf(job), 1);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      job.dequeued = () => signal.removeEventListener('abort', onAbort);
    });
  }

  private next(): Promise<Job | undefined> {
    const job = this.queue.shift();
    job?.dequeued();
    if (job) return Promise.resolve(job);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** One thread's life: take a job, post it, await its answer; a thread that ended is replaced. */
  private async loop(): Promise<void> {
    let worker: Worker = startWorker(WORKER);
    for (let job = await this.next(); job; job = await this.next()) {
      const { image, signal, resolve, reject } = job;
      if (signal?.aborted) {
        reject(abortError(signal));
        continue;
      }
      const stop = new AbortController();
      const onAbort = () => void worker.terminate();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        worker.postMessage(image, [image.data.buffer as ArrayBuffer]);
        // once() rejects on 'error' (the downscale threw); 'exit' comes when a cancel terminated it.
        const [pixels] = (await Promise.race([once(worker, 'message', { signal: stop.signal }), once(worker, 'exit', { signal: stop.signal })])) as [unknown];
        if (pixels instanceof Uint8Array) resolve(pixels);
        else throw signal?.aborted ? abortError(signal) : new Error('the worker thread exited before it answered');
      } catch (error) {
        reject(error);
        // This thread was terminated or died: a fresh one takes its place (also while close() drains).
        await worker.terminate();
        worker = startWorker(WORKER);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        stop.abort();
      }
    }
    await worker.terminate();
  }
}
