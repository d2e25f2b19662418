/// <reference lib="es2024.sharedmemory" />
// Correct alternative for exercise 03: resizeParallel shares the picture instead of moving pieces of it.
// The input is copied once into a SharedArrayBuffer and every thread writes its output rows straight
// into one shared result: no stripe is sliced off, nothing comes back, nothing is stitched. The threads
// never write the same bytes (each owns its rows), so no lock is needed. resize() moves, as before.
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
import type { StripeTask } from './resize.worker.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  /** Stripe tasks under way: close() lets them finish too. */
  private readonly stripeRuns = new Set<Promise<unknown>>();

  protected override createPool(threads: number): Piscina<RgbaImage, Uint8Array> {
    return new Piscina({ filename: new URL('./resize.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  }

  override async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    if (this.closed) throw new Error('ImageResizer is closed: it takes no more work');
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const input = new Uint8Array(new SharedArrayBuffer(image.data.byteLength));
    input.set(image.data);
    const output = new Uint8Array(new SharedArrayBuffer(outWidth * outHeight * 4));
    const perStripe = Math.max(1, Math.ceil(outHeight / this.pool.options.maxThreads));
    // The same threads run both kinds of task: the pool is this folder's worker, which knows both.
    const stripes = this.pool as unknown as Piscina<StripeTask, void>;
    const runs: Promise<void>[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += perStripe) {
      runs.push(stripes.run({ input, output, width, outRow, outRows: Math.min(perStripe, outHeight - outRow) }));
    }
    const all = Promise.all(runs);
    this.stripeRuns.add(all);
    try {
      await all;
    } finally {
      this.stripeRuns.delete(all);
    }
    return { width: outWidth, height: outHeight, data: output };
  }

  override async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.stripeRuns);
    await super.close();
  }
}
