// Known-wrong: every request adds a listener to the node:http server itself ('close', to stop the
// request's work when the server shuts down) and nothing removes it once the request is answered: the
// server gains one listener (and keeps one controller and one response alive) per request it ever had.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ServerListener extends Reference {
  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    // The mistake: added for every request, removed for none.
    this.http.once('close', () => res.destroy());
    super.accept(req, res);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ServerListener(options).listen();
}
