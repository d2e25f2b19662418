// Known-wrong variant: the database's pool of connections as a hand-written semaphore. A query whose
// request was cancelled while it waited checks its signal once it has its permit, before the `try`:
// the check throws, and the permit it was handed is never given back. Every client that leaves while
// its query waits for a connection costs the server one connection, for good.
import type { UserRow } from '../../../../exercises/07-server/backend.ts';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class Semaphore {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(permits: number) {
    this.free = permits;
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

class WithSemaphore extends Reference {
  private readonly connections = new Semaphore(this.options.maxQueries);

  protected override async queryUser(id: number, signal: AbortSignal): Promise<UserRow | undefined> {
    await this.connections.acquire();
    // Cancelled while it waited: the query never starts.
    signal.throwIfAborted();
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
