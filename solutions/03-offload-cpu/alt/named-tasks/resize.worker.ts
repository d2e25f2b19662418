// Correct alternative for exercise 03, the worker side: two named exports instead of one default
// export; piscina calls the one a task names (`pool.run(task, { name })`).
import { Piscina } from 'piscina';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export interface StripeTask {
  outRow: number;
  stripe: RgbaImage;
}

export function whole(image: RgbaImage) {
  return Piscina.move(downscale(image).data);
}

export function stripe({ stripe: part }: StripeTask) {
  // (Piscina.move works on the value returned itself, not on a buffer inside an object.)
  return Piscina.move(downscale(part).data);
}

// Piscina loads the file in each thread at start-up by looking for its default export; in the kata's
// threads (tsx's require hook) a file without one falls back to import(), which cannot load `.ts`.
export default whole;
