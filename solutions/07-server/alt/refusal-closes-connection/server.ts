// Correct alternative: a refused resize (503) also ends its connection (connection: close), so the server
// never reads a body it has refused; the client learns that in the answer and reconnects for its retry.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class RefusalClosesConnection extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const { resizeThreads, maxWaitingResizes } = this.options;
    if (this.resizesHeld >= resizeThreads + maxWaitingResizes) {
      res.setHeader('retry-after', '1');
      res.setHeader('connection', 'close');
      this.send(res, 503, { error: `busy: ${this.resizesHeld} resizes in the server; try again in a second, on a new connection` });
      return;
    }
    await super.resize(req, res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new RefusalClosesConnection(options).listen();
}
