// Reference solution for exercise 07: the worker side of POST /resize. Runs in each thread of the pool.
import { Piscina } from 'piscina';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

/** The downscaled pixels, moved back to the main thread (not copied). */
export type ResizeResult = ReturnType<typeof Piscina.move>;

export default function resizeTask(image: RgbaImage): ResizeResult {
  return Piscina.move(downscale(image).data);
}
