// Runs inside the server's worker threads: piscina loads this file in each thread of the pool and
// calls its default export once per task, with the task that `pool.run(task)` was given.
import type { Piscina } from 'piscina';
import type { RgbaImage } from './pam.ts';

/** The downscaled pixels, wrapped in `Piscina.move(...)` so they travel back without a copy. */
export type ResizeResult = ReturnType<typeof Piscina.move>;

// Step 2: downscale the image (downscale() from ../03-offload-cpu/image.ts) and move its pixels back,
// as in exercise 03.
export default function resizeTask(image: RgbaImage): ResizeResult {
  throw new Error('TODO step 2: downscale the image here, on the worker thread, and return Piscina.move(its pixels)');
}
