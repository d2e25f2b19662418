// Known-wrong: close() waits for the accepted work, then `void this.pool.destroy()` (nothing is left to
// reject by then): the threads are told to end, but close() resolves before they have exited.
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled((this as unknown as { accepted: Set<Promise<unknown>> }).accepted);
    // The mistake: the pool's destroy() is not awaited.
    void this.pool.destroy();
  }
}
