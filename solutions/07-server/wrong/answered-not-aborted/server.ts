// Known-wrong variant: the request's controller is aborted only when the client leaves (and at the
// deadline), never once the answer is out: a 404 or a 500 leaves the picture it no longer needs
// loading for nobody.
import http from 'node:http';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class NotAbortedWhenAnswered extends Reference {
  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stop = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) stop.abort(new ClientGone());
    });
    const handled: Promise<void> = this.route(req, res, stop)
      .catch((error: unknown) => this.answerFailure(res, error))
      .finally(() => this.handling.delete(handled));
    this.handling.add(handled);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new NotAbortedWhenAnswered(options).listen();
}
