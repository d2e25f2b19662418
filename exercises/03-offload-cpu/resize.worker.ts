// Runs inside the pool's worker threads: piscina loads this file in each thread and calls its default
// export once per task, with the task that `pool.run(task)` was given.
import type { Piscina } from 'piscina';
import type { RgbaImage } from './image.ts';

/** The downscaled pixels, as they are (copied back) or wrapped in `Piscina.move(...)` (moved back). */
export type ResizeResult = Uint8Array | ReturnType<typeof Piscina.move>;

// Step 1: downscale the image (from ./image.ts) and return the result's pixels.
// Step 2: send them back without a copy.
export default function resizeTask(image: RgbaImage): ResizeResult {
  throw new Error('TODO step 1: downscale the image here, on the worker thread, and return its pixels');
}
