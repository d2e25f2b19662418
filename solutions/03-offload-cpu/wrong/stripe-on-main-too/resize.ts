// Known-wrong: resizeParallel() keeps the main thread busy too: "it would only wait anyway", so it
// downscales one stripe itself while the worker threads do the others. The speed-up is real, and so
// is the frozen event loop for the whole of that stripe.
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    if (this.closed) throw new Error('ImageResizer is closed: it takes no more work');
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    // One stripe per worker thread, and one for the main thread.
    const pieces = this.pool.options.maxThreads + 1;
    const per = Math.max(1, Math.ceil(outHeight / pieces));
    const cut = (outRow: number) => {
      const rows = 2 * Math.min(per, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      return { width, height: rows, data: image.data.slice(start, start + rows * width * 4) };
    };
    const sent: { outRow: number; pixels: Promise<Uint8Array> }[] = [];
    for (let outRow = per; outRow < outHeight; outRow += per) {
      const stripe = cut(outRow);
      sent.push({ outRow, pixels: this.pool.run(stripe, { transferList: [stripe.data.buffer] }) });
    }
    const mine = downscale(cut(0)).data;
    const out = new Uint8Array(outWidth * outHeight * 4);
    out.set(mine, 0);
    const results = await Promise.all(sent.map((s) => s.pixels));
    results.forEach((pixels, i) => out.set(pixels, (sent[i]?.outRow ?? 0) * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }
}
