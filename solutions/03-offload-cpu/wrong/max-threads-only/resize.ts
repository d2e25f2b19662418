// Known-wrong: only maxThreads is set; piscina's default minThreads (half the cores) starts fewer
// threads up front, and the rest only when work arrives.
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

const WORKER = new URL('../../resize.worker.ts', import.meta.url).href;

export class ImageResizer extends Solution {
  protected override createPool(threads: number): Piscina<RgbaImage, Uint8Array> {
    return new Piscina({ filename: WORKER, maxThreads: threads });
  }
}
