// Known-wrong: close(error) ends the receivers already waiting on an empty channel with done instead
// of the error. A receiver that arrives later gets the error; one that was waiting hears nothing wrong.
import * as reference from '../../channel.ts';
export * from '../../channel.ts';

export class Channel<T> extends reference.Channel<T> {
  #waiting: { resolve(result: IteratorResult<T, undefined>): void }[] = [];

  protected override waitForValue(): Promise<IteratorResult<T, undefined>> {
    const result = super.waitForValue();
    // Keep our own handle on each waiting receiver, to end it our way at close.
    return new Promise((resolve, reject) => {
      const entry = { resolve };
      this.#waiting.push(entry);
      result.then(
        (value) => {
          this.#waiting = this.#waiting.filter((e) => e !== entry);
          resolve(value);
        },
        (error: unknown) => reject(error as Error),
      );
    });
  }

  protected override endWaitingReceivers(): void {
    // The mistake: whatever close() was given, a waiting receiver is told "done".
    for (const entry of this.#waiting.splice(0)) entry.resolve({ done: true, value: undefined });
    super.endWaitingReceivers();
  }
}
