// Known-wrong (worker side): the pixels arrive moved, but the result goes back as a copy.
import type { Piscina } from 'piscina';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export type ResizeResult = Uint8Array | ReturnType<typeof Piscina.move>;

export default function resizeTask(image: RgbaImage): ResizeResult {
  return downscale(image).data; // the mistake: no Piscina.move, so piscina clones it
}
