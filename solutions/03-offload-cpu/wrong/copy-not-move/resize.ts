// Known-wrong: the pixels are copied to the worker (structured clone) and copied back.
import os from 'node:os';
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import type { ResizeOptions, ResizerOptions } from '../../resize.ts';
export * from '../../resize.ts';

const WORKER = new URL('./resize.worker.ts', import.meta.url).href;

export class ImageResizer {
  readonly pool: Piscina<RgbaImage, Uint8Array>;
  private readonly threads: number;
  private readonly accepted = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: ResizerOptions = {}) {
    this.threads = options.threads ?? os.availableParallelism();
    this.pool = new Piscina({ filename: WORKER, minThreads: this.threads, maxThreads: this.threads });
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const data = await this.run(image, { signal: options.signal ?? null });
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const perStripe = Math.max(1, Math.ceil(outHeight / this.threads));
    const stripes: { outRow: number; pixels: Promise<Uint8Array> }[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += perStripe) {
      const rows = 2 * Math.min(perStripe, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      stripes.push({ outRow, pixels: this.run({ width, height: rows, data: image.data.slice(start, start + rows * width * 4) }) });
    }
    const out = new Uint8Array(outWidth * outHeight * 4);
    const results = await Promise.all(stripes.map((stripe) => stripe.pixels));
    results.forEach((pixels, i) => out.set(pixels, (stripes[i]?.outRow ?? 0) * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.accepted);
    await this.pool.close();
  }

  private run(task: RgbaImage, options: Parameters<Piscina['run']>[1] = {}): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(new Error('ImageResizer is closed: it takes no more work'));
    const result = this.pool.run(task, options);
    this.accepted.add(result);
    const forget = () => this.accepted.delete(result);
    result.then(forget, forget);
    return result;
  }
}
