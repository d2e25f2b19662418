// Known-wrong: release() marks the lock free and then wakes a waiter, who takes it when it runs. In
// between, the lock is free: a task that asks in that moment (a loop that locks again right after
// releasing) walks in first, and then the woken waiter walks in too. Order A, C, B; two inside.
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

  lock(): Promise<MutexGuard> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#guard());
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve)).then(() => {
      this.#locked = true; // the mistake: taken only when the woken waiter runs, whoever took it meanwhile
      return this.#guard();
    });
  }

  #guard(): MutexGuard {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#locked = false; // the mistake: free first...
      this.#waiters.shift()?.(); // ...then wake a waiter
    };
    return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: () => Promise.resolve(release()) };
  }
}
