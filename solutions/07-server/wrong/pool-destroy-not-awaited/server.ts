// Known-wrong: close() ends the worker pool but does not wait for it (`void this.pool.destroy()`): it
// resolves while the pool's threads are still exiting.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class DoesNotWaitForThePool extends Reference {
  override close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      while (this.handling.size > 0) await Promise.allSettled([...this.handling]);
      this.http.closeIdleConnections();
      await stopped;
      void this.pool.destroy();
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new DoesNotWaitForThePool(options).listen();
}
