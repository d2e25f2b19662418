// Known-wrong: the reference resizer, on this folder's worker (which copies its result back).
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  protected override createPool(threads: number): Piscina<RgbaImage, Uint8Array> {
    return new Piscina({ filename: new URL('./resize.worker.ts', import.meta.url).href, minThreads: threads, maxThreads: threads });
  }
}
