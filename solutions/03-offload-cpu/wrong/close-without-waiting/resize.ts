// Known-wrong: close() trusts piscina's own close() to finish the accepted work. Piscina 5's close()
// ends every thread as soon as one of them is idle: resizes still queued or running are dropped.
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async close(): Promise<void> {
    this.closed = true; // refuse new work, as the reference does
    await this.pool.close(); // the mistake: nothing waits for the accepted resizes
  }
}
