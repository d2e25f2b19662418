// Known-wrong (barging): recv() wakes one waiting sender, which re-checks (a while loop) and puts its own value in.
// No value waits outside the buffer and the bound holds, but a send() that comes between the wake-up and the
// woken sender's turn takes the slot, and the woken sender waits again at the back of the queue: a producer
// that has several sends waiting gets its values out of order. (From the red team, who filed it as correct.)
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}
export class Channel<T> implements AsyncIterable<T> {
  readonly #buffer: T[] = [];
  readonly #room: { resolve(): void; reject(e: Error): void }[] = [];
  readonly #receivers: { resolve(r: IteratorResult<T, undefined>): void; reject(e: Error): void }[] = [];
  #closed = false;
  #failure: Error | undefined;
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
  }
  get size(): number { return this.#buffer.length; }
  get closed(): boolean { return this.#closed; }
  async send(value: T): Promise<void> {
    if (this.#closed) throw new ChannelClosedError('send() on a closed channel');
    const receiver = this.#receivers.shift();
    if (receiver) { receiver.resolve({ done: false, value }); return; }
    while (this.#buffer.length >= this.capacity && !this.#receivers.length) {
      if (this.#closed) throw new ChannelClosedError("closed while waiting");
      await new Promise<void>((resolve, reject) => this.#room.push({ resolve, reject }));
    }
    if (this.#closed) throw new ChannelClosedError('closed while waiting');
    const late = this.#receivers.shift();
    if (late) { late.resolve({ done: false, value }); return; }
    this.#buffer.push(value);
  }
  recv(): Promise<IteratorResult<T, undefined>> {
    if (this.#buffer.length > 0) {
      const value = this.#buffer.shift() as T;
      this.#room.shift()?.resolve();
      return Promise.resolve({ done: false, value });
    }
    if (this.#closed) return this.#failure ? Promise.reject(this.#failure) : Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.#receivers.push({ resolve, reject }));
  }
  close(error?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = error;
    for (const s of this.#room.splice(0)) s.reject(new ChannelClosedError('the channel closed while send() was waiting for room'));
    for (const r of this.#receivers.splice(0)) {
      if (error) r.reject(error);
      else r.resolve({ done: true, value: undefined });
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
