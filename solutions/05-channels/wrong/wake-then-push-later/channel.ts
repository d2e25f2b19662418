// Known-wrong: recv() only wakes a waiting sender; the woken sender puts its value in itself, a few
// microtasks later (it awaits its own bookkeeping first), without checking for room again.
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
    if (this.#buffer.length >= this.capacity) {
      await new Promise<void>((resolve, reject) => this.#room.push({ resolve, reject }));
      await this.#settle(); // the mistake: the freed slot waits for us while other code runs
    }
    this.#buffer.push(value);
  }
  async #settle(): Promise<void> { await Promise.resolve(); await Promise.resolve(); }
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
