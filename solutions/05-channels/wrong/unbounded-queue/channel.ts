// Known-wrong: an unbounded queue. send() always buffers and resolves at once: no backpressure.
import * as reference from '../../channel.ts';
export * from '../../channel.ts';

export class Channel<T> extends reference.Channel<T> {
  protected override waitForRoom(value: T): Promise<void> {
    this.buffered.push(value); // the mistake: capacity is never checked
    return Promise.resolve();
  }
}
