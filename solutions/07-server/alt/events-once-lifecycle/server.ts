// Correct alternative: the server's life cycle with events.once instead of callbacks: listen() awaits
// 'listening' (or rejects on 'error'), close() awaits the server's 'close' event, and the requests in
// progress are waited for with events.once on each response's 'close'.
import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class EventsOnce extends Reference {
  private readonly responses = new Set<http.ServerResponse>();

  override async listen(): Promise<this> {
    const { host = '127.0.0.1', port = 0 } = this.options;
    this.http.listen({ host, port, backlog: 2048 });
    try {
      // once() rejects if 'error' comes first.
      await once(this.http, 'listening');
    } catch (error) {
      await this.pool.destroy();
      throw error;
    }
    this.url = `http://${host}:${(this.http.address() as AddressInfo).port}`;
    return this;
  }

  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.responses.add(res);
    res.once('close', () => this.responses.delete(res));
    super.accept(req, res);
  }

  override close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = once(this.http, 'close');
      this.http.close();
      // Every response in progress, again while more come in on connections kept alive from before.
      while (this.responses.size > 0) await Promise.all([...this.responses].map((res) => once(res, 'close')));
      // And the handlers behind them (a resize whose client left is still being stopped).
      while (this.handling.size > 0) await Promise.allSettled([...this.handling]);
      this.http.closeIdleConnections();
      await closed;
      await this.pool.close();
    })();
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new EventsOnce(options).listen();
}
