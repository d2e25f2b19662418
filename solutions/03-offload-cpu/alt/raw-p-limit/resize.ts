// Correct alternative: worker threads of our own, scheduled by p-limit: the limiter lets as many tasks run as
// there are threads, each running task takes an idle thread from a stack and gives it back (a fresh one, after a
// cancel or a crash); a queued task that is aborted is rejected at once and skipped when its turn comes.
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import { startWorker } from '../../../../checker/harness/threads/ts-worker.ts';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import type { Reply } from './resize.worker.ts';

export interface ResizerOptions {
  threads?: number;
}

export interface ResizeOptions {
  signal?: AbortSignal;
}

const WORKER = new URL('./resize.worker.ts', import.meta.url);

const abortError = () => new DOMException('This operation was aborted', 'AbortError');

export class ImageResizer {
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly accepted = new Set<Promise<unknown>>();
  private readonly count: number;
  private closed = false;
  private nextId = 0;

  constructor(options: ResizerOptions = {}) {
    this.count = options.threads ?? os.availableParallelism();
    this.limit = pLimit(this.count);
    for (let i = 0; i < this.count; i++) this.idle.push(this.spawn());
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const pixels = await this.schedule(image, options.signal);
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const outWidth = Math.floor(image.width / 2);
    const outHeight = Math.floor(image.height / 2);
    const per = Math.max(1, Math.ceil(outHeight / this.count));
    const rowBytes = image.width * 4;
    const parts: { at: number; pixels: Promise<Uint8Array> }[] = [];
    for (let y = 0; y < outHeight; y += per) {
      const rows = 2 * Math.min(per, outHeight - y);
      const data = image.data.slice(2 * y * rowBytes, (2 * y + rows) * rowBytes);
      parts.push({ at: y * outWidth * 4, pixels: this.schedule({ width: image.width, height: rows, data }) });
    }
    const out = new Uint8Array(outWidth * outHeight * 4);
    const pieces = await Promise.all(parts.map((part) => part.pixels));
    pieces.forEach((pixels, i) => out.set(pixels, parts[i]!.at));
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.accepted]);
    await Promise.all([...this.all].map((worker) => worker.terminate()));
  }

  private spawn(): Worker {
    const worker = startWorker(WORKER);
    this.all.add(worker);
    worker.once('exit', () => this.all.delete(worker));
    return worker;
  }

  /** Through the limiter: runs once a thread is free; rejects at once if aborted while it waits. */
  private schedule(image: RgbaImage, signal?: AbortSignal): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('the resizer is closed'));
    if (signal?.aborted) return Promise.reject(abortError());
    const task = this.limit(() => (signal?.aborted ? Promise.reject(abortError()) : this.exec(image, signal)));
    this.accepted.add(task);
    const forget = () => this.accepted.delete(task);
    task.then(forget, forget);
    if (!signal) return task;
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = () => reject(abortError());
      signal.addEventListener('abort', onAbort, { once: true });
      task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** One task on an idle thread; the thread goes back to the stack (a fresh one if it was ended or died). */
  private exec(image: RgbaImage, signal?: AbortSignal): Promise<Uint8Array> {
    const worker = this.idle.pop()!;
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      let replace = false;
      const settle = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        this.idle.push(replace ? this.spawn() : worker);
      };
      const onMessage = (reply: Reply) => {
        if (reply.id !== id) return;
        settle();
        resolve(reply.pixels);
      };
      const onError = (error: Error) => {
        replace = true;
        settle();
        reject(error);
      };
      const onExit = (code: number) => {
        replace = true;
        settle();
        reject(new Error(`worker thread exited with code ${code}`));
      };
      const onAbort = () => {
        replace = true;
        settle();
        void worker.terminate();
        reject(abortError());
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ id, image }, [image.data.buffer as ArrayBuffer]);
    });
  }
}
