// Correct alternative: the resizer is an EventEmitter of its own that says 'idle' when its last task settles;
// close() refuses new work, waits for 'idle' with events.once (unless nothing is under way), then closes the pool.
import { EventEmitter, once } from 'node:events';
import os from 'node:os';
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface ResizerOptions {
  threads?: number;
}

export interface ResizeOptions {
  signal?: AbortSignal;
}

export class ImageResizer extends EventEmitter {
  private readonly pool: Piscina;
  private readonly size: number;
  private running = 0;
  private shuttingDown = false;

  constructor(options: ResizerOptions = {}) {
    super();
    this.size = options.threads ?? os.availableParallelism();
    this.pool = new Piscina({ filename: new URL('../../resize.worker.ts', import.meta.url).href, minThreads: this.size, maxThreads: this.size });
  }

  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const data = await this.task(image, { transferList: [image.data.buffer as ArrayBuffer], signal: options.signal });
    return { width: Math.trunc(image.width / 2), height: Math.trunc(image.height / 2), data };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const outWidth = Math.trunc(image.width / 2);
    const outHeight = Math.trunc(image.height / 2);
    const bounds = Array.from({ length: this.size }, (_, i) => [Math.round((i * outHeight) / this.size), Math.round(((i + 1) * outHeight) / this.size)] as const).filter(([a, b]) => b > a);
    const stripes = bounds.map(([from, to]) => {
      const data = image.data.slice(2 * from * image.width * 4, 2 * to * image.width * 4);
      return this.task({ width: image.width, height: 2 * (to - from), data }, { transferList: [data.buffer] });
    });
    const pieces = await Promise.all(stripes);
    const out = new Uint8Array(outWidth * outHeight * 4);
    pieces.forEach((piece, i) => out.set(piece, bounds[i]![0] * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }

  async close(): Promise<void> {
    this.shuttingDown = true;
    if (this.running > 0) await once(this, 'idle');
    await this.pool.close();
  }

  private task(task: RgbaImage, options: { transferList: ArrayBuffer[]; signal?: AbortSignal | undefined }): Promise<Uint8Array> {
    if (this.shuttingDown) return Promise.reject(new Error('ImageResizer: shutting down, no new work'));
    this.running++;
    const done = () => {
      if (--this.running === 0) this.emit('idle');
    };
    const result = this.pool.run(task, { transferList: options.transferList, signal: options.signal ?? null }) as Promise<Uint8Array>;
    result.then(done, done);
    return result;
  }
}
