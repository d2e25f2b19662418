// Correct alternative for exercise 05, step 1: the textbook bounded buffer, built from two counting
// semaphores: `room` (free slots, starts at capacity) and `items` (values buffered, starts at 0). send()
// takes a slot, then pushes and releases an item; recv() takes an item, then shifts and releases a slot.
// A release hands its permit straight to the oldest waiter (nobody can barge in between), and the value
// moves in, in the same step, so a resolved send() is always in the buffer.

/** Thrown by `send` on a closed channel, and by a `send` that was still waiting when the channel closed. */
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

/** A FIFO counting semaphore whose waiters run their step the moment a permit is theirs. */
class Semaphore {
  readonly #waiters: { granted(): void; refused(): void }[] = [];

  constructor(private permits: number) {}

  /** Runs `granted` now if a permit is free, else when one is released to it; `refused` if it never will be. */
  take(granted: () => void, refused: () => void): void {
    if (this.permits > 0) {
      this.permits--;
      granted();
    } else {
      this.#waiters.push({ granted, refused });
    }
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next.granted();
    else this.permits++;
  }

  refuseAll(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.refused();
  }
}

export class Channel<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  readonly #room: Semaphore;
  readonly #items = new Semaphore(0);
  #closed = false;
  #failure: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
    this.#room = new Semaphore(capacity);
  }

  get size(): number {
    return this.#buffer.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(value: T): Promise<void> {
    if (this.#closed) return Promise.reject(new ChannelClosedError('send() on a closed channel'));
    return new Promise((resolve, reject) =>
      this.#room.take(
        () => {
          this.#buffer.push(value);
          resolve();
          this.#items.release();
        },
        () => reject(new ChannelClosedError('the channel closed while send() was waiting for room')),
      ),
    );
  }

  recv(): Promise<IteratorResult<T, undefined>> {
    if (this.#buffer.length === 0 && this.#closed) {
      return this.#failure ? Promise.reject(this.#failure) : Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) =>
      this.#items.take(
        () => {
          const value = this.#buffer.shift() as T;
          resolve({ done: false, value });
          this.#room.release();
        },
        () => (this.#failure ? reject(this.#failure) : resolve({ done: true, value: undefined })),
      ),
    );
  }

  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    // Senders waiting for a slot will never get one; receivers waiting for an item (the buffer is empty) neither.
    this.#room.refuseAll();
    this.#items.refuseAll();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T, void, undefined> {
    for (;;) {
      const next = await this.recv();
      if (next.done) return;
      yield next.value;
    }
  }
}
