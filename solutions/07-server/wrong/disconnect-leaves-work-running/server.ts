// Known-wrong: nothing notices a client that leaves; its queries, its picture and its resize run on
// for nobody (the request's controller aborts only once an answer has been sent).
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class NeverCancelled extends Reference {
  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    const stop = new AbortController();
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
  return await new NeverCancelled(options).listen();
}
