// Known-wrong: each stripe is a subarray (a view, no copy) of the picture, moved to its worker: moving a view
// moves its whole buffer, so the first stripe takes the caller's entire picture with it, and the next has nothing left.
import os from 'node:os';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const perStripe = Math.ceil(outHeight / os.availableParallelism());
    const stripes: { outRow: number; piece: Promise<RgbaImage> }[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += perStripe) {
      const rows = 2 * Math.min(perStripe, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      stripes.push({ outRow, piece: this.resize({ width, height: rows, data: image.data.subarray(start, start + rows * width * 4) }) });
    }
    const pieces = await Promise.all(stripes.map((s) => s.piece));
    const out = new Uint8Array(outWidth * outHeight * 4);
    pieces.forEach((piece, i) => out.set(piece.data, (stripes[i]?.outRow ?? 0) * outWidth * 4));
    return { width: outWidth, height: outHeight, data: out };
  }
}
