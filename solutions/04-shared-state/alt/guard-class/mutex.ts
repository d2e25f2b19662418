// Correct alternative for exercise 04, step 1: the guard as a class whose release() forgets its unlock
// after the first call, and deposit() with try/finally instead of `await using`.

/** A bank account whose balance lives somewhere slow: every read and write is an await. */
export interface Account {
  read(): Promise<number>;
  write(balance: number): Promise<void>;
}

/**
 * Proof that you hold the lock, like Rust's MutexGuard. Release it exactly once: by hand with
 * `release()`, or let `using` / `await using` release it when the block ends, however it ends.
 */
export interface MutexGuard extends Disposable, AsyncDisposable {
  release(): void;
}

export class Mutex {
  #locked = false;
  // Waiting tasks, oldest first: each entry hands the lock to one task.
  readonly #waiters: (() => void)[] = [];

  get locked(): boolean {
    return this.#locked;
  }

  /** Tasks waiting for the lock right now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a guard once the lock is yours; waiters get the lock in the order they asked. */
  lock(): Promise<MutexGuard> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#guard());
    }
    return new Promise((resolve) => {
      this.#waiters.push(() => resolve(this.#guard()));
    });
  }

  #guard(): MutexGuard {
    return new Guard(() => this.#unlock());
  }

  #unlock(): void {
    const next = this.#waiters.shift();
    // Hand the lock straight to the oldest waiter: it stays locked, so no newcomer can barge in.
    if (next) next();
    else this.#locked = false;
  }
}

/** One holder's proof, as a class: it releases once, whichever way it is released. */
class Guard implements MutexGuard {
  #unlock: (() => void) | undefined;

  constructor(unlock: () => void) {
    this.#unlock = unlock;
  }

  release(): void {
    const unlock = this.#unlock;
    this.#unlock = undefined;
    unlock?.();
  }

  [Symbol.dispose](): void {
    this.release();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.release();
    return Promise.resolve();
  }
}

/** Adds `amount` to the balance: read, then write, with nobody else in between. */
export async function deposit(account: Account, amount: number, mutex: Mutex): Promise<void> {
  const guard = await mutex.lock();
  try {
    const balance = await account.read();
    await account.write(balance + amount);
  } finally {
    guard.release();
  }
}
