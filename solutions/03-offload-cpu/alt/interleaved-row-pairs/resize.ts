// A correct alternative: resizeParallel deals the output rows out round-robin (row y to lane y % n), each lane's
// pairs of input rows packed into one moved buffer, and scatters the results back row by row.
import os from 'node:os';
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
  }

  /** The pool. A hook: a known-wrong variant brings its own (another worker file, another size). */
  protected createPool(threads: number): Piscina<RgbaImage, Uint8Array> {
    // All threads start now (minThreads = maxThreads), not on the first busy moment: a fresh worker
    // needs a few hundred ms to load its file.
    return new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads });
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const { width, height, data } = image;
    // transferList moves the pixel buffer to the worker: no copy, and `image.data` is detached here.
    // The signal lets piscina stop the worker thread itself, not just stop waiting for it.
    const pixels = await this.run(image, { transferList: [data.buffer as ArrayBuffer], signal: options.signal ?? null });
    return { width: Math.floor(width / 2), height: Math.floor(height / 2), data: pixels };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const pairBytes = 2 * width * 4;
    const outRowBytes = outWidth * 4;
    const lanes = Math.max(1, Math.min(this.threads, outHeight));
    // Interleaved: lane k takes output rows k, k + lanes, k + 2 * lanes, ... (each from its own pair of input rows),
    // packed one after another into a buffer of its own and moved; its pieces are scattered back row by row.
    const work = Array.from({ length: lanes }, (_, k) => {
      const rows: number[] = [];
      for (let y = k; y < outHeight; y += lanes) rows.push(y);
      const data = new Uint8Array(rows.length * pairBytes);
      rows.forEach((y, n) => data.set(image.data.subarray(y * pairBytes, (y + 1) * pairBytes), n * pairBytes));
      return { rows, pixels: this.run({ width, height: 2 * rows.length, data }, { transferList: [data.buffer] }) };
    });
    const out = new Uint8Array(outWidth * outHeight * 4);
    const results = await Promise.all(work.map((lane) => lane.pixels));
    results.forEach((pixels, k) => {
      work[k]?.rows.forEach((y, n) => out.set(pixels.subarray(n * outRowBytes, (n + 1) * outRowBytes), y * outRowBytes));
    });
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
