// Known-wrong: every resize is accepted and waits in the pool's queue, however long it is: under a
// steady stream the wait and the memory grow until clients time out.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class UnboundedQueue extends Reference {
  protected override admit(): boolean {
    this.resizesHeld++;
    return true;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new UnboundedQueue(options).listen();
}
