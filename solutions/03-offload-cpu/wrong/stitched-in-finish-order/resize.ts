// Known-wrong: every stripe is sent at once (right), but each piece is pushed onto a list when it comes back
// and the list is stitched in that order: whenever a later stripe finishes first, the pieces land swapped.
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
    const pieces: Uint8Array[] = [];
    const sent: Promise<void>[] = [];
    for (let outRow = 0; outRow < outHeight; outRow += perStripe) {
      const rows = 2 * Math.min(perStripe, outHeight - outRow);
      const start = 2 * outRow * width * 4;
      const stripe = { width, height: rows, data: image.data.slice(start, start + rows * width * 4) };
      sent.push(this.resize(stripe).then((piece) => void pieces.push(piece.data)));
    }
    await Promise.all(sent);
    const out = new Uint8Array(outWidth * outHeight * 4);
    let offset = 0;
    for (const piece of pieces) {
      out.set(piece, offset);
      offset += piece.length;
    }
    return { width: outWidth, height: outHeight, data: out };
  }
}
