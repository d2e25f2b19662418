// Known-wrong: close() rejects the waiting senders but leaves them in their queue: a later recv() moves a rejected sender's value into the buffer.

/** Thrown by `send` on a closed channel, and by a `send` that was still waiting when the channel closed. */
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

interface WaitingSender<T> {
  value: T;
  resolve(): void;
  reject(error: Error): void;
}

interface WaitingReceiver<T> {
  resolve(result: IteratorResult<T, undefined>): void;
  reject(error: Error): void;
}

/**
 * A bounded channel: any number of senders, any number of receivers, at most `capacity` values
 * buffered. `send` waits while the buffer is full; `recv` waits while it is empty. Nothing polls:
 * every wait ends because the other side woke it.
 */
export class Channel<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  // Senders waiting for room (the buffer is full), oldest first.
  readonly #senders: WaitingSender<T>[] = [];
  // Receivers waiting for a value (the buffer is empty), oldest first.
  readonly #receivers: WaitingReceiver<T>[] = [];
  #closed = false;
  #failure: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
  }

  /** Values buffered right now (never more than `capacity`). */
  get size(): number {
    return this.#buffer.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The buffer itself, for the known-wrong variants (they subclass Channel to change one piece). */
  protected get buffered(): T[] {
    return this.#buffer;
  }

  /** Resolves once the value is in the channel; waits while the buffer is full. Rejects once closed. */
  send(value: T): Promise<void> {
    if (this.#closed) return Promise.reject(new ChannelClosedError('send() on a closed channel'));
    const receiver = this.#receivers.shift();
    if (receiver) {
      // Someone is already waiting: hand the value over directly.
      receiver.resolve({ done: false, value });
      return Promise.resolve();
    }
    if (this.#buffer.length < this.capacity) {
      this.#buffer.push(value);
      return Promise.resolve();
    }
    return this.waitForRoom(value);
  }

  /** Full: this is the backpressure. The sender waits until a receiver makes room. */
  protected waitForRoom(value: T): Promise<void> {
    return new Promise((resolve, reject) => this.#senders.push({ value, resolve, reject }));
  }

  /**
   * The next value (`{ done: false, value }`), waiting while the channel is empty; `{ done: true }` once it
   * is closed and drained (or the close error, if it was closed with one).
   */
  recv(): Promise<IteratorResult<T, undefined>> {
    if (this.#buffer.length > 0) {
      const value = this.#buffer.shift() as T;
      // Room was made: the oldest waiting sender's value moves in, and that sender may go on.
      const sender = this.#senders.shift();
      if (sender) {
        this.#buffer.push(sender.value);
        sender.resolve();
      }
      return Promise.resolve({ done: false, value });
    }
    if (this.#closed) {
      return this.#failure ? Promise.reject(this.#failure) : Promise.resolve({ done: true, value: undefined });
    }
    return this.waitForValue();
  }

  /** Empty and open: the receiver waits until a sender hands it a value, or close() ends it. */
  protected waitForValue(): Promise<IteratorResult<T, undefined>> {
    return new Promise((resolve, reject) => this.#receivers.push({ resolve, reject }));
  }

  /**
   * No more sends. What is buffered can still be received; after that receivers get `done` (or `error`).
   * Senders still waiting for room are rejected with ChannelClosedError: their values never got in.
   */
  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    for (const sender of this.#senders) sender.reject(new ChannelClosedError('the channel closed while send() was waiting for room'));
    this.endWaitingReceivers();
  }

  /** Waiting receivers only exist while the buffer is empty, so there is nothing left for them: they end. */
  protected endWaitingReceivers(): void {
    for (const receiver of this.#receivers.splice(0)) {
      if (this.#failure) receiver.reject(this.#failure);
      else receiver.resolve({ done: true, value: undefined });
    }
  }

  /** `for await (const value of channel)`: receives until the channel is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T, void, undefined> {
    for (;;) {
      const next = await this.recv();
      if (next.done) return;
      yield next.value;
    }
  }
}
