// Correct alternative: the worker answers with a whole RgbaImage (moved back through piscina's Transferable
// interface), and resizeParallel stitches the stripes with Buffer.concat.
import os from 'node:os';
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface ResizerOptions {
  threads?: number;
}

export interface ResizeOptions {
  signal?: AbortSignal;
}

export class ImageResizer {
  private readonly pool: Piscina<RgbaImage, RgbaImage>;
  private readonly threads: number;
  private readonly pending = new Set<Promise<RgbaImage>>();
  private closing = false;

  constructor(options: ResizerOptions = {}) {
    this.threads = options.threads ?? os.availableParallelism();
    this.pool = new Piscina({
      filename: new URL('./resize.worker.ts', import.meta.url).href,
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Infinity,
    });
  }

  resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    return this.submit(image, [image.data.buffer as ArrayBuffer], options.signal);
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const rowBytes = image.width * 4;
    const pairs = Math.floor(image.height / 2);
    const perStripe = Math.ceil(pairs / this.threads);
    const jobs: Promise<RgbaImage>[] = [];
    for (let pair = 0; pair < pairs; pair += perStripe) {
      const count = Math.min(perStripe, pairs - pair);
      const data = image.data.slice(2 * pair * rowBytes, 2 * (pair + count) * rowBytes);
      jobs.push(this.submit({ width: image.width, height: 2 * count, data }, [data.buffer]));
    }
    const parts = await Promise.all(jobs);
    return { width: Math.floor(image.width / 2), height: pairs, data: Buffer.concat(parts.map((part) => part.data)) };
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.pending]);
    await this.pool.close();
  }

  private submit(task: RgbaImage, transferList: ArrayBuffer[], signal?: AbortSignal): Promise<RgbaImage> {
    if (this.closing) return Promise.reject(new Error('the resizer is shutting down'));
    const job = this.pool.run(task, { transferList, signal: signal ?? null });
    this.pending.add(job);
    job.then(
      () => this.pending.delete(job),
      () => this.pending.delete(job),
    );
    return job;
  }
}
