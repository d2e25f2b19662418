// Correct alternative: the worker sends the whole downscaled image back, moved: an object that implements
// piscina's Transferable interface (its buffer to transfer, and the value to deliver), wrapped in Piscina.move.
import { Piscina } from 'piscina';
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';

export default function resizeTask(image: RgbaImage) {
  const out = downscale(image);
  const movable = { [Piscina.transferableSymbol]: out.data.buffer, [Piscina.valueSymbol]: out };
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
}
