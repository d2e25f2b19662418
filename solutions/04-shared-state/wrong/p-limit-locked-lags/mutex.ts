// Known-wrong: the mutex is p-limit with a concurrency of 1 (each lock() queues a job that holds its place
// until the guard is released), and `locked` is p-limit's activeCount: it drops only a few microtasks after release().
import pLimit from 'p-limit';

export interface Account {
  read(): Promise<number>;
  write(balance: number): Promise<void>;
}

export interface MutexGuard extends Disposable, AsyncDisposable {
  release(): void;
}

export class Mutex {
  readonly #limit = pLimit(1);

  get locked(): boolean {
    return this.#limit.activeCount > 0;
  }

  get waiting(): number {
    return this.#limit.pendingCount;
  }

  lock(): Promise<MutexGuard> {
    return new Promise((resolveGuard) => {
      void this.#limit(
        () =>
          new Promise<void>((release) => {
            let released = false;
            const once = () => {
              if (released) return;
              released = true;
              release();
            };
            resolveGuard({ release: once, [Symbol.dispose]: once, [Symbol.asyncDispose]: () => (once(), Promise.resolve()) });
          }),
      );
    });
  }
}

export async function deposit(account: Account, amount: number, mutex: Mutex): Promise<void> {
  await using _guard = await mutex.lock();
  const balance = await account.read();
  await account.write(balance + amount);
}
