// Known-wrong: the constructor takes `{ threads }` and never reads it: the pool is always one thread
// per core. Every other test passes wherever the cores match the size they ask for.
import { ImageResizer as Solution, type ResizerOptions } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  constructor(_options: ResizerOptions = {}) {
    super({}); // the mistake: os.availableParallelism() whatever the caller asked for
  }
}
