// Correct alternative for exercise 03, the worker side: every task comes with a MessagePort of its own
// (moved in beside the pixels); the answer goes back on that port, the pixels moved again.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface Task {
  image: RgbaImage;
  reply: MessagePort;
}

parentPort?.on('message', ({ image, reply }: Task) => {
  const pixels = downscale(image).data;
  reply.postMessage(pixels, [pixels.buffer as ArrayBuffer]);
  reply.close();
});
