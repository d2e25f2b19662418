// Known-wrong (a learner's step 4): close() keeps one idle callback, `this.onIdle = resolve`: a second close()
// replaces the first's, and the first call never resolves (a server told to stop twice waits forever).
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
  private readonly pool: Piscina;
  private readonly threads: number;
  private closed = false;
  private active = 0;
  private onIdle: (() => void) | undefined;

  constructor(options: ResizerOptions = {}) {
    const n = options.threads ?? os.availableParallelism();
    this.threads = n;
    this.pool = new Piscina({ filename: new URL('../../resize.worker.ts', import.meta.url).href, minThreads: n, maxThreads: n });
  }

  // first try: it's async, so it shouldn't block... right?
  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    if (this.closed) throw new Error('the resizer is closed');
    const { signal } = options;
    signal?.throwIfAborted();
    const work = this.pool.run(image, { transferList: [image.data.buffer as ArrayBuffer], signal }) as Promise<ArrayBuffer | Uint8Array>;
    this.active++;
    let raw: ArrayBuffer | Uint8Array;
    try {
      raw = await work;
    } finally {
      if (--this.active === 0) this.onIdle?.();
    }
    const data = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
    return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data };
  }

  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const outW = Math.floor(image.width / 2);
    const outH = Math.floor(image.height / 2);
    const n = Math.max(1, Math.min(this.threads, outH));
    const rowBytes = image.width * 4;
    const out = new Uint8Array(outW * outH * 4);
    const per = Math.ceil(outH / n);
    // start every stripe first (they run while we wait), then collect them in order
    const pending: Array<[number, Promise<RgbaImage>]> = [];
    for (let i = 0; i < n; i++) {
      const y0 = i * per;
      const y1 = Math.min(outH, y0 + per);
      if (y1 <= y0) break;
      const data = image.data.slice(2 * y0 * rowBytes, 2 * y1 * rowBytes);
      const p = this.resize({ width: image.width, height: 2 * (y1 - y0), data });
      p.catch(() => {}); // collected below
      pending.push([y0, p]);
    }
    for (const [y0, p] of pending) out.set((await p).data, y0 * outW * 4);
    return { width: outW, height: outH, data: out };
  }

  async close(): Promise<void> {
    this.closed = true;
    // a counter of accepted tasks; wait until it drops to zero, however they ended
    if (this.active > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
    await this.pool.close();
  }
}
