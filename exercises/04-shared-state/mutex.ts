// Exercise 04, step 1: an async mutex. Read README.md in this folder first; `npm start` runs the tests on save.
// Replace each `throw` with your code. The types are the contract: keep the signatures.

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
  /** True while some task holds the lock. */
  get locked(): boolean {
    throw new Error('TODO step 1: report whether the lock is held');
  }

  /** Tasks waiting for the lock right now. */
  get waiting(): number {
    throw new Error('TODO step 1: count the tasks waiting for the lock');
  }

  /**
   * Resolves with a guard once the lock is yours. A free lock is yours at once; otherwise wait,
   * and waiters get the lock in the order they asked (first come, first served).
   */
  lock(): Promise<MutexGuard> {
    throw new Error('TODO step 1: hand out the lock, or queue the caller until it is released');
  }
}

/** Adds `amount` to the balance: read, then write, with no other deposit in between. */
export async function deposit(account: Account, amount: number, mutex: Mutex): Promise<void> {
  throw new Error('TODO step 1: read and write the balance while holding the mutex');
}
