// Correct alternative: close() with the server's own Symbol.asyncDispose (server.close() as a promise,
// settled by its callback) and, once every request is answered and every connection ended,
// `await pool.destroy()` instead of pool.close(): nothing is queued any more, so there is nothing for
// close() to wait for that destroy() would drop.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class DisposeAndDestroy extends Reference {
  override close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = this.http[Symbol.asyncDispose]();
      do {
        await Promise.allSettled([...this.handling]);
      } while (this.handling.size > 0);
      this.http.closeIdleConnections();
      await stopped;
      await this.pool.destroy();
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new DisposeAndDestroy(options).listen();
}
