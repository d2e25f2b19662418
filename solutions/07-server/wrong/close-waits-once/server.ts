// Known-wrong: close() waits once for the requests in progress when it is called, then closes the pool.
// A request that arrives on a kept-alive connection meanwhile is not waited for: the pool may close
// under its resize.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class WaitsOnce extends Reference {
  override close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      await Promise.allSettled([...this.handling]); // the mistake: a snapshot, once
      this.http.closeIdleConnections();
      await this.pool.close();
      await stopped;
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new WaitsOnce(options).listen();
}
