// Correct alternative for exercise 03: the same pool, with named worker functions (`{ name: 'whole' }`,
// `{ name: 'stripe' }`) instead of one default export, and each stripe stitched in the moment it is back.
import os from 'node:os';
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import type { StripeTask } from './resize.worker.ts';

export interface ResizerOptions {
  /** How many worker threads the pool has. Default: one per core, `os.availableParallelism()`. */
  threads?: number;
}

export interface ResizeOptions {
  /** Step 4: aborting it cancels the resize, even while a worker is in the middle of it. */
  signal?: AbortSignal;
}

export class ImageResizer {
  private readonly pool: Piscina;
  private readonly threads: number;
  private readonly accepted = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: ResizerOptions = {}) {
    this.threads = options.threads ?? os.availableParallelism();
    this.pool = new Piscina({ filename: new URL('./resize.worker.ts', import.meta.url).href, minThreads: this.threads, maxThreads: this.threads });
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const data = (await this.task('whole', image, [image.data.buffer as ArrayBuffer], options.signal)) as Uint8Array;
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const per = Math.max(1, Math.ceil(outHeight / this.threads));
    const out = new Uint8Array(outWidth * outHeight * 4);
    const tasks: Promise<unknown>[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += per) {
      const rows = 2 * Math.min(per, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      const data = image.data.slice(start, start + rows * width * 4);
      const task = this.task('stripe', { outRow, stripe: { width, height: rows, data } } satisfies StripeTask, [data.buffer]);
      tasks.push(task.then((pixels) => out.set(pixels as Uint8Array, outRow * outWidth * 4)));
    }
    await Promise.all(tasks);
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.accepted);
    await this.pool.close();
  }

  private task(name: 'whole' | 'stripe', task: unknown, transferList: ArrayBuffer[], signal?: AbortSignal): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('ImageResizer is closed: it takes no more work'));
    const result = this.pool.run(task, { name, transferList, signal: signal ?? null });
    this.accepted.add(result);
    const forget = () => this.accepted.delete(result);
    result.then(forget, forget);
    return result;
  }
}
