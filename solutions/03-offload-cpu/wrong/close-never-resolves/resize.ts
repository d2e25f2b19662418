// Known-wrong: close() finishes the accepted work and closes the pool, then "makes sure" every thread
// has exited by waiting for each one's 'exit' event. pool.close() has already waited for that: the
// events are over, and close() never resolves. Whoever awaits it (a shutdown, a test) hangs.
import { once } from 'node:events';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async close(): Promise<void> {
    const threads = [...this.pool.threads];
    await super.close();
    await Promise.all(threads.map((thread) => once(thread, 'exit')));
  }
}
