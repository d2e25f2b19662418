// Known-wrong: resize() copies the pixels (slice) and moves the copy, to leave the caller's image intact: the
// transfer list is there, but it moves a buffer made for the purpose, and the caller's 12.6 MB are copied all the same.
import type { RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution, type ResizeOptions } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async resize(image: RgbaImage, options: ResizeOptions = {}): Promise<RgbaImage> {
    return await super.resize({ ...image, data: image.data.slice() }, options);
  }
}
