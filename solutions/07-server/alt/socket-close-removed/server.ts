// Correct alternative: the client's leaving noticed on the socket ('close'), not on the response;
// the listener is removed when the request ends, so a kept-alive connection carries no more listeners
// after a thousand requests than after one.
import http from 'node:http';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class SocketWatch extends Reference {
  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stop = new AbortController();
    const socket = req.socket;
    const onGone = () => {
      if (!res.writableFinished) stop.abort(new ClientGone());
    };
    socket.on('close', onGone);
    const handled: Promise<void> = this.route(req, res, stop)
      .catch((error: unknown) => this.answerFailure(res, error))
      .finally(() => {
        socket.off('close', onGone);
        stop.abort(new Error('the request has been answered'));
        this.handling.delete(handled);
      });
    this.handling.add(handled);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new SocketWatch(options).listen();
}
