// Known-wrong: release() wakes every waiting task instead of one, and each of them walks in.
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
    return new Promise((resolve) => this.#waiters.push(() => resolve(this.#guard())));
  }

  #guard(): MutexGuard {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const woken = this.#waiters.splice(0); // the mistake: everybody, not the oldest one
      if (woken.length === 0) this.#locked = false;
      for (const wake of woken) wake();
    };
    return { release, [Symbol.dispose]: release, [Symbol.asyncDispose]: () => Promise.resolve(release()) };
  }
}
