// Known-wrong: close() never wakes receivers that are already waiting, so their loops hang forever.
import * as reference from '../../channel.ts';
export * from '../../channel.ts';

export class Channel<T> extends reference.Channel<T> {
  protected override endWaitingReceivers(): void {
    // The mistake: receivers already waiting in recv() are left waiting.
  }
}
