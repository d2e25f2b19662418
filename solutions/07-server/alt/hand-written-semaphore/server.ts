// Correct alternative: the database's pool of connections as a hand-written semaphore instead of
// p-limit. Its waiters can leave the line: a cancelled request gives up its place at once, instead of
// waiting for its turn only to find it was cancelled.
import type { UserRow } from '../../../../exercises/07-server/backend.ts';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

/** At most `permits` holders at once; the others wait in line, first come first served. */
class Semaphore {
  private free: number;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(permits: number) {
    this.free = permits;
  }

  /** Resolves once a permit is ours; rejects with the signal's reason (and leaves the line) if it aborts first. */
  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', leave);
          resolve();
        },
      };
      const leave = () => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(signal.reason as Error);
      };
      signal.addEventListener('abort', leave, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    // The permit goes straight to the next in line (it never becomes free in between).
    if (next) next.grant();
    else this.free++;
  }
}

class WithSemaphore extends Reference {
  private readonly connections = new Semaphore(this.options.maxQueries);

  protected override async queryUser(id: number, signal: AbortSignal): Promise<UserRow | undefined> {
    await this.connections.acquire(signal);
    try {
      return await this.options.database.queryUser(id, signal);
    } finally {
      this.connections.release();
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new WithSemaphore(options).listen();
}
