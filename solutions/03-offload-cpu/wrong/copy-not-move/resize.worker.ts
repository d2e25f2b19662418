// Known-wrong (worker side): the result is returned as is, so piscina copies it back.
import type { Piscina } from 'piscina';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export type ResizeResult = Uint8Array | ReturnType<typeof Piscina.move>;

export default function resizeTask(image: RgbaImage): ResizeResult {
  return downscale(image).data;
}
