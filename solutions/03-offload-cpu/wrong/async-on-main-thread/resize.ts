// Known-wrong: `async` on a CPU loop. It still runs on the main thread and freezes the event loop.
import { downscale, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution, type ResizeOptions } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  // eslint-disable-next-line @typescript-eslint/require-await -- this lint rule spots the very mistake shown here
  override async resize(image: RgbaImage, _options: ResizeOptions = {}): Promise<RgbaImage> {
    return downscale(image);
  }
}
