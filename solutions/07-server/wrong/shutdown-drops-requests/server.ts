// Known-wrong: close() cuts every connection at once, the requests in progress with them.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class DropsOnClose extends Reference {
  override close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      this.http.closeAllConnections();
      await stopped;
      await this.pool.close();
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new DropsOnClose(options).listen();
}
