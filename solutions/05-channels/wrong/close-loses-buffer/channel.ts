// Known-wrong: close() throws the buffered values away, so receivers end without draining.
import * as reference from '../../channel.ts';
export * from '../../channel.ts';

export class Channel<T> extends reference.Channel<T> {
  override close(error?: Error): void {
    this.buffered.length = 0; // the mistake: buffered messages are lost
    super.close(error);
  }
}
