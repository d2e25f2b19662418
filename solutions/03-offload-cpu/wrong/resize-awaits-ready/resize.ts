// Known-wrong: resize() awaits the pool being ready before it hands its task over, so a resize called just before close() reaches the closed check only after close() was called.
import os from 'node:os';
import { once } from 'node:events';
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface ResizerOptions {
  /** How many worker threads the pool has. Default: one per core, `os.availableParallelism()`. */
  threads?: number;
}

export interface ResizeOptions {
  /** Step 4: aborting it cancels the resize, even while a worker is in the middle of it. */
  signal?: AbortSignal;
}

// The worker file beside this module: under the kata's target switch it follows this module.
const WORKER = new URL('../../resize.worker.ts', import.meta.url).href;

/** The image service of a web server: every resize runs on a pool of worker threads, never on the event loop. */
export class ImageResizer {
  /** The worker pool, created once (here, in the constructor) and used by every call. */
  protected readonly pool: Piscina<RgbaImage, Uint8Array>;
  private readonly threads: number;
  /** Every task the pool has accepted and not finished: what close() must wait for. */
  private readonly accepted = new Set<Promise<unknown>>();
  protected closed = false;

  constructor(options: ResizerOptions = {}) {
    // CPU-bound work: one thread per core. More threads only take turns on the same cores.
    this.threads = options.threads ?? os.availableParallelism();
    this.pool = this.createPool(this.threads);
    // Every thread first loads its file: resizes wait until all of them are online.
    this.ready = Promise.all(this.pool.threads.map((thread) => once(thread, 'online'))).then(() => undefined);
  }

  /** Resolves once every thread of the pool is up. */
  private readonly ready: Promise<void>;

  /** The pool. A hook: a known-wrong variant brings its own (another worker file, another size). */
  protected createPool(threads: number): Piscina<RgbaImage, Uint8Array> {
    // All threads start now (minThreads = maxThreads), not on the first busy moment: a fresh worker
    // needs a few hundred ms to load its file.
    return new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads });
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const { width, height, data } = image;
    await this.ready;
    // transferList moves the pixel buffer to the worker: no copy, and `image.data` is detached here.
    // The signal lets piscina stop the worker thread itself, not just stop waiting for it.
    const pixels = await this.run(image, { transferList: [data.buffer as ArrayBuffer], signal: options.signal ?? null });
    return { width: Math.floor(width / 2), height: Math.floor(height / 2), data: pixels };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    // Stripes are whole pairs of input rows (one output row each), so every stripe downscales on its
    // own exactly as it would inside the whole image.
    const outRowsPerStripe = Math.max(1, Math.ceil(outHeight / this.threads));
    const stripes: { outRow: number; pixels: Promise<Uint8Array> }[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += outRowsPerStripe) {
      const rows = 2 * Math.min(outRowsPerStripe, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      // slice() copies this stripe into a buffer of its own, which can then be moved to its worker
      // (moving a subarray would move, and detach, the whole image).
      const data = image.data.slice(start, start + rows * width * 4);
      const pixels = this.run({ width, height: rows, data }, { transferList: [data.buffer] });
      stripes.push({ outRow, pixels });
    }
    // Every stripe is on its way before we wait for any: they run at the same time, one per thread.
    const results = await Promise.all(stripes.map((stripe) => stripe.pixels));
    const out = new Uint8Array(outWidth * outHeight * 4);
    results.forEach((pixels, i) => out.set(pixels, (stripes[i]?.outRow ?? 0) * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    // Refuse new work, let the accepted work finish, then end the threads. (Piscina 5.3's close()
    // alone ends every thread as soon as one of them is idle, dropping tasks still queued or running.)
    this.closed = true;
    await Promise.allSettled(this.accepted);
    await this.pool.close();
  }

  /** pool.run, counted: close() waits for every task it lets through. */
  private run(task: RgbaImage, options: Parameters<Piscina['run']>[1]): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('ImageResizer is closed: it takes no more work'));
    const result = this.pool.run(task, options);
    this.accepted.add(result);
    const forget = () => this.accepted.delete(result);
    result.then(forget, forget);
    return result;
  }
}
