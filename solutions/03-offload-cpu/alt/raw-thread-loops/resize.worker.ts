// Correct alternative for exercise 03, the worker side: a raw worker thread that answers each image
// with its downscaled pixels, moved back. One image at a time, so a reply needs no id.
import { parentPort } from 'node:worker_threads';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

parentPort?.on('message', (image: RgbaImage) => {
  const pixels = downscale(image).data;
  parentPort?.postMessage(pixels, [pixels.buffer as ArrayBuffer]);
});
