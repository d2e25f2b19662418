// Candidate (wrong): the server shuts itself down on SIGINT and SIGTERM, with listeners on the process
// added when it starts and never removed: after close() they still hold the server, and every server
// started adds two more.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ShutsDownOnSignals extends Reference {
  override async listen(): Promise<this> {
    await super.listen();
    const stop = () => void this.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return this;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ShutsDownOnSignals(options).listen();
}
