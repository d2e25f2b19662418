// Correct alternative, the worker side: a raw worker thread's whole script. Each image in, its
// downscaled pixels out, moved back (not copied).
import { parentPort } from 'node:worker_threads';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

parentPort?.on('message', (image: RgbaImage) => {
  const pixels = downscale(image).data;
  parentPort?.postMessage(pixels, [pixels.buffer as ArrayBuffer]);
});
