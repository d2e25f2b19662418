// Correct alternative for exercise 03, the worker side: a raw worker thread's whole script. It answers
// each request with the downscaled pixels, moved back (the transfer list), and lives until terminated.
import { parentPort } from 'node:worker_threads';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface Request {
  id: number;
  image: RgbaImage;
}

export interface Reply {
  id: number;
  pixels: Uint8Array;
}

parentPort?.on('message', ({ id, image }: Request) => {
  const pixels = downscale(image).data;
  parentPort?.postMessage({ id, pixels } satisfies Reply, [pixels.buffer as ArrayBuffer]);
});
