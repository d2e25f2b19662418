// Known-wrong: `waiting` counts up when a task queues for the lock and never counts down when the lock is
// handed to it. The lock itself works; what it reports about its waiters does not.

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
  // The mistake: a count of the tasks that ever had to wait, kept beside the queue and never brought down.
  #waitingCount = 0;
  // Waiting tasks, oldest first: each entry hands the lock to one task.
  readonly #waiters: (() => void)[] = [];

  get locked(): boolean {
    return this.#locked;
  }

  /** Tasks waiting for the lock right now. */
  get waiting(): number {
    return this.#waitingCount;
  }

  /** Resolves with a guard once the lock is yours; waiters get the lock in the order they asked. */
  lock(): Promise<MutexGuard> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#guard());
    }
    this.#waitingCount++;
    return new Promise((resolve) => {
      this.#waiters.push(() => resolve(this.#guard()));
    });
  }

  #guard(): MutexGuard {
    let released = false;
    const release = () => {
      // A second release must not unlock the *next* holder's lock.
      if (released) return;
      released = true;
      this.#unlock();
    };
    return {
      release,
      [Symbol.dispose]: release,
      [Symbol.asyncDispose]: () => {
        release();
        return Promise.resolve();
      },
    };
  }

  #unlock(): void {
    const next = this.#waiters.shift();
    // Hand the lock straight to the oldest waiter: it stays locked, so no newcomer can barge in.
    if (next) next();
    else this.#locked = false;
  }
}

/** Adds `amount` to the balance: read, then write, with nobody else in between. */
export async function deposit(account: Account, amount: number, mutex: Mutex): Promise<void> {
  // `await using` releases the lock when this block ends: after the write, or when read/write throws.
  await using _guard = await mutex.lock();
  const balance = await account.read();
  await account.write(balance + amount);
}
