// Known-wrong: polling. Instead of being woken by the other side, a waiting recv() or send() checks
// again every millisecond on a timer: slower, busier, and stuck when timers do not run.

/** Thrown by `send` on a closed channel, and by a `send` that was still waiting when the channel closed. */
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

const POLL_MS = 1;

export class Channel<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  #closed = false;
  #failure: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.#buffer.length;
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(value: T): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        if (this.#closed) reject(new ChannelClosedError('send() on a closed channel'));
        else if (this.#buffer.length < this.capacity) {
          this.#buffer.push(value);
          resolve();
        } else setTimeout(attempt, POLL_MS); // the mistake: check again later
      };
      attempt();
    });
  }

  recv(): Promise<IteratorResult<T, undefined>> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        if (this.#buffer.length > 0) resolve({ done: false, value: this.#buffer.shift() as T });
        else if (this.#closed) {
          if (this.#failure) reject(this.#failure);
          else resolve({ done: true, value: undefined });
        } else setTimeout(attempt, POLL_MS); // the mistake: check again later
      };
      attempt();
    });
  }

  close(error?: Error): void {
    this.#closed = true;
    this.#failure ??= error;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T, void, undefined> {
    for (;;) {
      const next = await this.recv();
      if (next.done) return;
      yield next.value;
    }
  }
}
