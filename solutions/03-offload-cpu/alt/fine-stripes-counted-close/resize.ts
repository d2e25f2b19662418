// Correct alternative for exercise 03: the same piscina pool, with two things written another way.
// resizeParallel() cuts finer: four stripes per thread, all handed to the pool at once (a thread that
// finishes early takes the next one: less waiting on the slowest stripe). And close() waits on a count
// of the tasks under way, decremented however each one ends, and a promise of its own that the last one
// to settle resolves, instead of Promise.allSettled over a set.
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

const STRIPES_PER_THREAD = 4;

export class ImageResizer {
  private readonly pool: Piscina<RgbaImage, Uint8Array>;
  private readonly threads: number;
  private underWay = 0;
  private drained: (() => void) | undefined;
  private closed = false;

  constructor(options: ResizerOptions = {}) {
    this.threads = options.threads ?? os.availableParallelism();
    this.pool = new Piscina({ filename: new URL('../../resize.worker.ts', import.meta.url).href, minThreads: this.threads, maxThreads: this.threads });
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const data = await this.run(image, { transferList: [image.data.buffer as ArrayBuffer], signal: options.signal ?? null });
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const per = Math.max(1, Math.ceil(outHeight / (this.threads * STRIPES_PER_THREAD)));
    const out = new Uint8Array(outWidth * outHeight * 4);
    const parts: Promise<void>[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += per) {
      const rows = 2 * Math.min(per, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      const data = image.data.slice(start, start + rows * width * 4);
      // Each stripe is stitched in as soon as it is back.
      parts.push(this.run({ width, height: rows, data }, { transferList: [data.buffer] }).then((pixels) => out.set(pixels, outRow * outWidth * 4)));
    }
    await Promise.all(parts);
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.underWay > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.pool.close();
  }

  private run(task: RgbaImage, options: Parameters<Piscina['run']>[1]): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('ImageResizer is closed: it takes no more work'));
    this.underWay++;
    const result = this.pool.run(task, options);
    const settled = () => {
      if (--this.underWay === 0) this.drained?.();
    };
    result.then(settled, settled);
    return result;
  }
}
