// Exercise 05, step 1: a bounded async channel. Read README.md in this folder first; `npm start` runs
// the tests on save. Replace each `throw` with your code. The types are the contract: keep the signatures.

/** Thrown by `send` on a closed channel, and by a `send` that was still waiting when the channel closed. */
export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

/**
 * A bounded channel: any number of senders, any number of receivers, at most `capacity` values
 * buffered. `send` waits while the buffer is full; `recv` waits while it is empty. Nothing polls:
 * every wait ends because the other side woke it.
 */
export class Channel<T> implements AsyncIterable<T> {
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
  }

  /** Values buffered right now (never more than `capacity`). */
  get size(): number {
    throw new Error('TODO step 1: count the buffered values');
  }

  get closed(): boolean {
    throw new Error('TODO step 1: report whether close() was called');
  }

  /** Resolves once the value is in the channel; waits while the buffer is full. Rejects once closed. */
  send(value: T): Promise<void> {
    throw new Error('TODO step 1: hand the value to a waiting receiver, buffer it, or wait for room');
  }

  /**
   * The next value (`{ done: false, value }`), waiting while the channel is empty; `{ done: true }` once it
   * is closed and drained (or the close error, if it was closed with one).
   */
  recv(): Promise<IteratorResult<T, undefined>> {
    throw new Error('TODO step 1: take a buffered value, or wait for one');
  }

  /**
   * No more sends. What is buffered can still be received; after that receivers get `done` (or `error`).
   * Senders still waiting for room are rejected with ChannelClosedError: their values never got in.
   */
  close(error?: Error): void {
    throw new Error('TODO step 1: close the channel and wake whoever waits');
  }

  /** `for await (const value of channel)`: receives until the channel is closed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T, void, undefined> {
    throw new Error('TODO step 1: receive until done');
  }
}
