// Known-wrong: the client leaving is watched on the request's 'close' event (with res.writableFinished
// false), not the response's. The request closes as soon as its body has been read (at once for a GET),
// long before the answer: every request is cancelled as "the client left" while its client still waits.
import type http from 'node:http';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class RequestClose extends Reference {
  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stop = new AbortController();
    // The mistake: req, not res.
    req.on('close', () => {
      if (!res.writableFinished) stop.abort(new ClientGone());
    });
    const handled: Promise<void> = this.route(req, res, stop)
      .catch((error: unknown) => this.answerFailure(res, error))
      .finally(() => {
        stop.abort(new Error('answered'));
        this.handling.delete(handled);
      });
    this.handling.add(handled);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new RequestClose(options).listen();
}
