// Known-wrong: the stripes are awaited one by one, so each starts only when the previous one is done.
// Each stripe is still small, so its longest piece (and the CPU-time arithmetic) looks like a split.
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const stripes = 2;
    const perStripe = Math.ceil(outHeight / stripes);
    const out = new Uint8Array(outWidth * outHeight * 4);
    for (let outRow = 0; outRow < outHeight; outRow += perStripe) {
      const rows = 2 * Math.min(perStripe, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      // The mistake: `await` inside the loop. The next stripe is not even sent until this one is back.
      const piece = await this.resize({ width, height: rows, data: image.data.slice(start, start + rows * width * 4) });
      out.set(piece.data, outRow * outWidth * 4);
    }
    return { width: outWidth, height: outHeight, data: out };
  }
}
