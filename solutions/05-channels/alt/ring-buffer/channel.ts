// A correct alternative: the buffer is a ring of `capacity` slots with a read index and a count, so
// send and recv never shift an array. The waiting senders and receivers are plain FIFO queues.
import { ChannelClosedError } from '../../channel.ts';
export { ChannelClosedError } from '../../channel.ts';

interface Waiter<R> {
  resolve(result: R): void;
  reject(error: Error): void;
}

export class Channel<T> implements AsyncIterable<T> {
  readonly #slots: (T | undefined)[];
  #head = 0; // index of the oldest value
  #count = 0;
  readonly #senders: (Waiter<void> & { value: T })[] = [];
  readonly #receivers: Waiter<IteratorResult<T, undefined>>[] = [];
  #closed = false;
  #failure: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
    this.#slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#count;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(value: T): Promise<void> {
    if (this.#closed) return Promise.reject(new ChannelClosedError('send() on a closed channel'));
    const receiver = this.#receivers.shift();
    if (receiver) {
      receiver.resolve({ done: false, value });
      return Promise.resolve();
    }
    if (this.#count < this.capacity) {
      this.#push(value);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#senders.push({ value, resolve, reject }));
  }

  recv(): Promise<IteratorResult<T, undefined>> {
    if (this.#count > 0) {
      const value = this.#slots[this.#head] as T;
      this.#slots[this.#head] = undefined; // let the value go
      this.#head = (this.#head + 1) % this.capacity;
      this.#count--;
      const sender = this.#senders.shift();
      if (sender) {
        this.#push(sender.value);
        sender.resolve();
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#closed) return this.#failure ? Promise.reject(this.#failure) : Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.#receivers.push({ resolve, reject }));
  }

  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    for (const sender of this.#senders.splice(0)) sender.reject(new ChannelClosedError('the channel closed while send() was waiting for room'));
    for (const receiver of this.#receivers.splice(0)) {
      if (error) receiver.reject(error);
      else receiver.resolve({ done: true, value: undefined });
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T, void, undefined> {
    for (;;) {
      const next = await this.recv();
      if (next.done) return;
      yield next.value;
    }
  }

  #push(value: T): void {
    this.#slots[(this.#head + this.#count) % this.capacity] = value;
    this.#count++;
  }
}
