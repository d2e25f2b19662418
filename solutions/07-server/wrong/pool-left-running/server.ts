// Known-wrong: close() stops the HTTP server but forgets the worker pool: its threads keep running
// (and keep the process from exiting).
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ForgetsThePool extends Reference {
  override close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      while (this.handling.size > 0) await Promise.allSettled([...this.handling]);
      this.http.closeIdleConnections();
      await stopped;
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ForgetsThePool(options).listen();
}
