// Known-wrong: the "parallel" resize hands the whole image to one thread.
import { copyImage, type RgbaImage } from '../../../../exercises/03-offload-cpu/image.ts';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async resizeParallel(image: RgbaImage): Promise<RgbaImage> {
    return await this.resize(copyImage(image));
  }
}
