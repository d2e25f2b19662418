// Correct alternative for exercise 05, step 1: one queue for the buffer and the waiting senders. The first
// `capacity` entries are the buffer; an entry behind them is a sender still waiting, with its resolve kept.
// When a receiver takes the head, the entry that moves up into the buffer has its send() resolved.

export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

interface Entry<T> {
  value: T;
  /** Set while the entry waits behind the buffer; cleared once it is in. */
  admit?: { resolve(): void; reject(error: Error): void };
}

interface WaitingReceiver<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: Error): void;
}

export class Channel<T> implements AsyncIterable<T> {
  readonly #entries: Entry<T>[] = [];
  readonly #receivers: WaitingReceiver<T>[] = [];
  #closed = false;
  #failure: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
  }

  get size(): number {
    return Math.min(this.#entries.length, this.capacity);
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
    if (this.#entries.length < this.capacity) {
      this.#entries.push({ value });
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#entries.push({ value, admit: { resolve, reject } }));
  }

  recv(): Promise<IteratorResult<T, undefined>> {
    const head = this.#entries.shift();
    if (head) {
      // The entry that has just moved up into the last place of the buffer is in: its sender may go on.
      const entered = this.#entries[this.capacity - 1];
      if (entered?.admit) {
        const admit = entered.admit;
        delete entered.admit;
        admit.resolve();
      }
      return Promise.resolve({ done: false, value: head.value });
    }
    if (this.#closed) return this.#failure ? Promise.reject(this.#failure) : Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.#receivers.push({ resolve, reject }));
  }

  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    for (const entry of this.#entries.splice(this.capacity)) entry.admit?.reject(new ChannelClosedError('the channel closed while send() was waiting for room'));
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
}
