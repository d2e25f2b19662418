// Correct alternative: close() waits for a counter of open requests (up at arrival, down at each
// response's 'close', which comes whether it was answered or its client left) to reach zero, told by
// a promise the last one resolves, instead of a set of the handlers' promises.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class DrainedCounter extends Reference {
  private open = 0;
  private drained: (() => void) | undefined;

  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.open++;
    res.once('close', () => {
      this.open--;
      if (this.open === 0) this.drained?.();
    });
    super.accept(req, res);
  }

  override close(): Promise<void> {
    this.closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      // A request can still come on a connection kept alive from before: wait again until none is open.
      while (this.open > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = undefined;
      this.http.closeIdleConnections();
      await stopped;
      await this.pool.close();
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new DrainedCounter(options).listen();
}
