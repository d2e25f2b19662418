// Known-wrong: a pool of one thread, as `new Piscina({ filename, maxThreads: 1 })` makes. The stripes
// (one per core) are cut and sent at once, correctly, but they can only take turns on the one thread.
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  protected override createPool(_threads: number): Piscina<RgbaImage, Uint8Array> {
    return new Piscina({ filename: new URL('../../resize.worker.ts', import.meta.url).href, minThreads: 1, maxThreads: 1 }); // the mistake
  }
}
