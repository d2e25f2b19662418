// Known-wrong: polling. Instead of being woken by the other side, a waiting recv() or send() checks
// again every millisecond on a timer: slower, busier, and stuck when timers do not run.
import * as reference from '../../channel.ts';
export * from '../../channel.ts';

const POLL_MS = 1;

/** Checks `ready()` now, then again on a timer until it holds; then settles as `retry()` does. */
function poll<R>(ready: () => boolean, retry: () => Promise<R>): Promise<R> {
  return new Promise((resolve) => {
    const attempt = () => {
      if (ready()) resolve(retry());
      else setTimeout(attempt, POLL_MS); // the mistake: check again later
    };
    attempt();
  });
}

export class Channel<T> extends reference.Channel<T> {
  protected override waitForRoom(value: T): Promise<void> {
    return poll(() => this.closed || this.size < this.capacity, () => this.send(value));
  }

  protected override waitForValue(): Promise<IteratorResult<T, undefined>> {
    return poll(() => this.closed || this.size > 0, () => this.recv());
  }
}
