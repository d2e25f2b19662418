// Correct alternative for exercise 03: worker threads of our own, written as a different pool. Each
// thread has a queue of its own, and a new task goes to the thread with the least work (queued plus
// running): no shared queue. Each task travels with a fresh MessageChannel port, and its answer comes
// back on it: no ids to match. A cancel terminates the thread; a fresh one takes its place and its
// queue (as does one that died of a failed task).
import os from 'node:os';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { startWorker } from '../../../../checker/harness/threads/ts-worker.ts';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import type { Task } from './resize.worker.ts';

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
  image: RgbaImage;
  signal: AbortSignal | undefined;
  settle(outcome: { pixels: Uint8Array } | { error: unknown }): void;
}

class Lane {
  worker!: Worker;
  readonly waiting: Job[] = [];
  running: { job: Job; port: MessagePort } | undefined;

  constructor(private readonly onIdle: () => void) {
    this.start();
  }

  get load(): number {
    return this.waiting.length + (this.running ? 1 : 0);
  }

  private start(): void {
    this.worker = startWorker(WORKER);
    this.worker.on('error', (error) => this.lost({ error }));
  }

  /** The running job ended with its thread (cancelled, or it failed): settle it, start a fresh thread, go on. */
  lost(outcome: { error: unknown }): void {
    const running = this.running;
    this.running = undefined;
    if (running) {
      running.port.close();
      running.job.settle(outcome);
    }
    void this.worker.terminate();
    this.start();
    this.pump();
  }

  pump(): void {
    if (this.running) return;
    const job = this.waiting.shift();
    if (!job) return this.onIdle();
    const { port1, port2 } = new MessageChannel();
    this.running = { job, port: port1 };
    port1.once('message', (pixels: Uint8Array) => {
      port1.close();
      this.running = undefined;
      job.settle({ pixels });
      this.pump();
    });
    this.worker.postMessage({ image: job.image, reply: port2 } satisfies Task, [job.image.data.buffer as ArrayBuffer, port2]);
  }
}

export class ImageResizer {
  private readonly lanes: Lane[] = [];
  private closed = false;
  private underWay = 0;
  private allDone: (() => void) | undefined;

  constructor(options: ResizerOptions = {}) {
    const count = options.threads ?? os.availableParallelism();
    for (let i = 0; i < count; i++) this.lanes.push(new Lane(() => this.checkDrained()));
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const pixels = await this.run(image, options.signal);
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const per = Math.max(1, Math.ceil(outHeight / this.lanes.length));
    const rowsStart: number[] = [];
    const parts: Promise<Uint8Array>[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += per) {
      const rows = 2 * Math.min(per, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      rowsStart.push(outRow);
      parts.push(this.run({ width, height: rows, data: image.data.slice(start, start + rows * width * 4) }, undefined));
    }
    const out = new Uint8Array(outWidth * outHeight * 4);
    (await Promise.all(parts)).forEach((pixels, i) => out.set(pixels, (rowsStart[i] ?? 0) * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.underWay > 0) await new Promise<void>((resolve) => (this.allDone = resolve));
    await Promise.all(this.lanes.map((lane) => lane.worker.terminate()));
  }

  private checkDrained(): void {
    if (this.underWay === 0) this.allDone?.();
  }

  private run(image: RgbaImage, signal: AbortSignal | undefined): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('ImageResizer is closed: it takes no more work'));
    if (signal?.aborted) return Promise.reject(new AbortError('The resize was aborted before it started'));
    return new Promise<Uint8Array>((resolve, reject) => {
      const lane = this.lanes.reduce((best, l) => (l.load < best.load ? l : best));
      const onAbort = () => {
        const queued = lane.waiting.indexOf(job);
        if (queued !== -1) {
          lane.waiting.splice(queued, 1);
          job.settle({ error: new AbortError('The resize was aborted') });
        } else if (lane.running?.job === job) {
          lane.lost({ error: new AbortError('The resize was aborted') });
        }
      };
      let settled = false;
      const job: Job = {
        image,
        signal,
        settle: (outcome) => {
          if (settled) return;
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          this.underWay--;
          if ('pixels' in outcome) resolve(outcome.pixels);
          else reject(outcome.error instanceof Error ? outcome.error : new Error(String(outcome.error)));
          this.checkDrained();
        },
      };
      this.underWay++;
      signal?.addEventListener('abort', onAbort, { once: true });
      lane.waiting.push(job);
      lane.pump();
    });
  }
}
