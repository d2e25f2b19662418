// Correct alternative, the worker side: a named task (no default export); its pixels are moved back.
import { Piscina } from 'piscina';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export function resize(image: RgbaImage): ReturnType<typeof Piscina.move> {
  return Piscina.move(downscale(image).data);
}
