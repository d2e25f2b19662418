// Known-wrong: the server keeps one "current request" controller, replaced at every arrival, and a
// client that leaves aborts that one: the newest request's work, not the leaving client's.
import type http from 'node:http';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class AbortsTheNewest extends Reference {
  private current: AbortController | undefined;

  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stop = new AbortController();
    this.current = stop;
    // The mistake: `this.current` is read when the client leaves, not when this request arrived.
    res.on('close', () => {
      if (!res.writableFinished) this.current?.abort(new ClientGone());
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
  return await new AbortsTheNewest(options).listen();
}
