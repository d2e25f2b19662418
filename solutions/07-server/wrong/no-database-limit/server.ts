// Known-wrong: every query goes straight to the database; nothing holds it at its ten connections.
import type { UserRow } from '../../../../exercises/07-server/backend.ts';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class NoLimit extends Reference {
  protected override queryUser(id: number, signal: AbortSignal): Promise<UserRow | undefined> {
    return this.options.database.queryUser(id, signal);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new NoLimit(options).listen();
}
