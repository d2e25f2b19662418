// Known-wrong variant: a resize watches its socket for the client leaving; the listener is added when
// the resize arrives and removed in the `finally` around the admitted work, so the 503 path (which
// returns before that `try`) leaves it behind. A client that retries on its kept-alive connection
// while the server is full gains one 'close' listener per refusal on that socket.
import http from 'node:http';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ListenerOn503 extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const socket = req.socket;
    const onGone = () => {
      if (!res.writableFinished) stop.abort(new ClientGone());
    };
    socket.on('close', onGone);
    if (!this.admit()) {
      res.setHeader('retry-after', '1');
      this.send(res, 503, { error: 'busy: try again in a second' });
      return;
    }
    this.release();
    try {
      await super.resize(req, res, stop);
    } finally {
      socket.off('close', onGone);
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ListenerOn503(options).listen();
}
