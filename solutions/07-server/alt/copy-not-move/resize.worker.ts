// Reference solution for exercise 07: the worker side of POST /resize. Runs in each thread of the pool.
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

/** The downscaled pixels, moved back to the main thread (not copied). */
export type ResizeResult = Uint8Array;

// Copied back (structured clone), not moved: simpler, and the copy is small next to the downscale.
export default function resizeTask(image: RgbaImage): ResizeResult {
  return downscale(image).data;
}
