// Known-wrong: close() forgets the pool, whose threads live on.
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async close(): Promise<void> {
    // Nothing: the pool is never closed.
  }
}
