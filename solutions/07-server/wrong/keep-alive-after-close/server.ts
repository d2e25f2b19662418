// Known-wrong: close() waits for the connections to end, but busy kept-alive ones never do: they go
// on taking requests (their answers keep them alive), so the shutdown lasts as long as the clients want.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class KeepsConnectionsAlive extends Reference {
  private shuttingDown: Promise<void> | undefined;

  override close(): Promise<void> {
    this.shuttingDown ??= (async () => {
      await new Promise<void>((resolve) => this.http.close(() => resolve()));
      await this.pool.close();
    })();
    return this.shuttingDown;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new KeepsConnectionsAlive(options).listen();
}
