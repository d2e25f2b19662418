// Known-wrong: a client that leaves is noticed on the socket's 'close', with a listener added for every
// request and never removed: a kept-alive connection piles up one listener (and one controller) per
// request it carried, all kept until the connection ends.
import type http from 'node:http';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ListenerPerRequest extends Reference {
  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stop = new AbortController();
    req.socket.on('close', () => {
      if (!res.writableFinished) stop.abort(new ClientGone());
    });
    const handled: Promise<void> = this.route(req, res, stop)
      .catch((error: unknown) => this.answerFailure(res, error))
      .finally(() => {
        stop.abort();
        this.handling.delete(handled);
      });
    this.handling.add(handled);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ListenerPerRequest(options).listen();
}
