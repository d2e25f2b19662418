// Exercise 03: offloading CPU work. Read README.md in this folder first; `npm start` runs the tests on save.
// Replace each `throw` with your code. The types are the contract: keep the signatures.
//
// What you will need: `import os from 'node:os'` and `import { Piscina } from 'piscina'`, and the worker
// file's address: `new URL('./resize.worker.ts', import.meta.url).href`. (Worker threads of your own
// instead of piscina are fine too: the lesson says how to start one on a .ts file.)
import type { Piscina } from 'piscina';
import type { RgbaImage } from './image.ts';

export interface ResizerOptions {
  /** How many worker threads the pool has. Default: one per core, `os.availableParallelism()`. */
  threads?: number;
}

export interface ResizeOptions {
  /** Step 4: aborting it cancels the resize, even while a worker is in the middle of it. */
  signal?: AbortSignal;
}

/** The image service of a web server: every resize runs on a pool of worker threads, never on the event loop. */
export class ImageResizer {
  /** The worker pool, created once (here, in the constructor) and used by every call. */
  private readonly pool: Piscina;

  // Step 1: create the pool: ./resize.worker.ts, `threads` threads (step 4: all of them started up front).
  constructor(options: ResizerOptions = {}) {
    throw new Error('TODO step 1: create the piscina pool that runs ./resize.worker.ts');
  }

  // Step 1: downscale `image` on a worker thread of the pool; the event loop stays free meanwhile.
  // Step 2: move the pixels to the worker and back instead of copying them: `image` is used up.
  // Step 4: `options.signal` cancels the work, even once a worker has started on it.
  async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    throw new Error('TODO step 1: hand the image to the pool, and wait for the result');
  }

  // Step 3: cut the image into horizontal stripes, one per thread; downscale them all at once; stitch.
  // The result must be byte for byte what downscale(image) gives. Leave `image` itself intact.
  async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    throw new Error('TODO step 3: split the rows over every thread, then stitch the pieces');
  }

  // Step 4: shutting down: finish the work already accepted, then stop every thread.
  async close(): Promise<void> {
    throw new Error('TODO step 4: close the pool');
  }
}
