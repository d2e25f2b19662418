// Known-wrong: waiters loop "while locked, wait", and release() frees the lock before it wakes one.
// Never two inside (the woken one checks again), but a task that asks between the release and the
// wake-up takes the lock first, and the waiter it passed goes back to the end of the line.
import type { MutexGuard } from '../../mutex.ts';
export * from '../../mutex.ts';

export class Mutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  get locked(): boolean {
    return this.#locked;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  async lock(): Promise<MutexGuard> {
    while (this.#locked) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#locked = true;
    return this.#guard();
  }

  #guard(): MutexGuard {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#locked = false;
      this.#waiters.shift()?.();
    };
    return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: () => Promise.resolve(release()) };
  }
}
