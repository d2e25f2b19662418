// Known-wrong: close() waits with Promise.all instead of Promise.allSettled. The first accepted resize
// that fails (a cancelled one, say) makes close() reject at once: the others are not waited for, and
// the pool is never closed.
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async close(): Promise<void> {
    this.closed = true;
    await Promise.all((this as unknown as { accepted: Set<Promise<unknown>> }).accepted);
    await this.pool.close();
  }
}
