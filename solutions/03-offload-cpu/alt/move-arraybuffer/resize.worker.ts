// Reference solution for exercise 03: the worker side. Runs in each thread of the pool.
import { Piscina } from 'piscina';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

/** The downscaled pixels, as they are (copied back) or wrapped in `Piscina.move(...)` (moved back). */
export type ResizeResult = ArrayBuffer | ReturnType<typeof Piscina.move>;

export default function resizeTask(image: RgbaImage): ResizeResult {
  // Piscina.move: this thread gives the result's buffer up, so it travels back without a copy.
  // Send the bare ArrayBuffer back in the transfer list; the main thread wraps it again.
  const { data } = downscale(image);
  return Piscina.move(data.buffer as ArrayBuffer);
}
