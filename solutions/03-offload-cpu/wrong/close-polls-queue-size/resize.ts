// Known-wrong: close() refuses new work, then waits until piscina's queue is empty (pool.queueSize === 0) and closes
// the pool: an empty queue is not finished work, since the tasks last taken from it are still running on their threads.
import { setTimeout as sleep } from 'node:timers/promises';
import { ImageResizer as Solution } from '../../resize.ts';
export * from '../../resize.ts';

export class ImageResizer extends Solution {
  override async close(): Promise<void> {
    this.closed = true;
    while (this.pool.queueSize > 0) await sleep(10);
    await this.pool.close();
  }
}
