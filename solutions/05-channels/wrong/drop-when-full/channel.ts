// Known-wrong: when the buffer is full, send() resolves anyway and the value is silently dropped.
import * as reference from '../../channel.ts';
export * from '../../channel.ts';

export class Channel<T> extends reference.Channel<T> {
  protected override waitForRoom(_value: T): Promise<void> {
    // The mistake: full, so the value is dropped, and the sender is told all went well.
    return Promise.resolve();
  }
}
