// Known-wrong: a new pool for every call, so every call pays for starting a worker thread.
import { Piscina } from 'piscina';
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution, type ResizeOptions } from '../../resize.ts';
export * from '../../resize.ts';

const WORKER = new URL('../../resize.worker.ts', import.meta.url).href;

export class ImageResizer extends Solution {
  override async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    const pool = new Piscina<RgbaImage, Uint8Array>({ filename: WORKER, maxThreads: 1 });
    try {
      const data = await pool.run(image, { transferList: [image.data.buffer as ArrayBuffer], signal: options.signal ?? null });
      return { width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data };
    } finally {
      await pool.destroy();
    }
  }
}
