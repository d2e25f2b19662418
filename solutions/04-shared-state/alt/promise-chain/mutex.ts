// A correct alternative: a promise-chain mutex. Each lock() waits for the promise of the lock() before
// it and leaves a new one for the next; release() resolves it. The chain itself is the queue, so the
// order is first come, first served, and no newcomer can get between a release and the next holder.
import type { MutexGuard } from '../../mutex.ts';
export * from '../../mutex.ts';

export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #held = false;
  #queued = 0;

  get locked(): boolean {
    return this.#held;
  }

  get waiting(): number {
    return this.#queued;
  }

  lock(): Promise<MutexGuard> {
    const previous = this.#tail;
    let open!: () => void;
    this.#tail = new Promise<void>((resolve) => (open = resolve));
    this.#queued++;
    return previous.then(() => {
      this.#queued--;
      this.#held = true;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.#held = false;
        open(); // the next lock() in the chain goes on
      };
      return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: () => Promise.resolve(release()) };
    });
  }
}
