// Correct alternative: the graceful shutdown as production servers write it, with a last resort: a timer
// (unref()'d, cleared once the shutdown is done) that would cut the connections still open after 20 s, so a
// client that never finishes cannot keep the server from stopping. Within those 20 s every request is answered.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

const FORCE_AFTER_MS = 20_000;

class ForceDeadline extends Reference {
  override close(): Promise<void> {
    if (this.closing) return this.closing;
    const force = setTimeout(() => this.http.closeAllConnections(), FORCE_AFTER_MS);
    force.unref();
    const graceful = super.close();
    this.closing = graceful.finally(() => clearTimeout(force));
    return this.closing;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ForceDeadline(options).listen();
}
