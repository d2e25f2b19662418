// Known-wrong: when the buffer is full, send() parks the value with the waiting senders and resolves
// at once. Nothing is lost (a receiver moves it in later), but the producer is never slowed down and
// the parked values grow without a bound: no backpressure.
import * as reference from '../../channel.ts';
export * from '../../channel.ts';

export class Channel<T> extends reference.Channel<T> {
  protected override waitForRoom(value: T): Promise<void> {
    void super.waitForRoom(value).catch(() => undefined); // parked, rejected only if the channel closes
    return Promise.resolve(); // the mistake: "it is in", though there was no room
  }
}
