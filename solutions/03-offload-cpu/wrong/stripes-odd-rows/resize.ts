// Known-wrong: the picture is cut into stripes of ceil(height / threads) input rows, not whole pairs of rows:
// when that is odd, a stripe ends in the middle of a pair, and the output row made from that pair is lost or wrong.
import os from 'node:os';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    const { width, height } = image;
    const outWidth = Math.floor(width / 2);
    const outHeight = Math.floor(height / 2);
    const perStripe = Math.ceil(height / os.availableParallelism());
    const stripes: Promise<RgbaImage>[] = [];
    for (let row = 0; row < height; row += perStripe) {
      const rows = Math.min(perStripe, height - row);
      const start = row * width * 4;
      stripes.push(this.resize({ width, height: rows, data: image.data.slice(start, start + rows * width * 4) }));
    }
    const pieces = await Promise.all(stripes);
    const out = new Uint8Array(outWidth * outHeight * 4);
    let offset = 0;
    for (const piece of pieces) {
      out.set(piece.data.subarray(0, Math.max(0, Math.min(piece.data.length, out.length - offset))), offset);
      offset += piece.data.length;
    }
    return { width: outWidth, height: outHeight, data: out };
  }
}
