// Known-wrong variant: admission refuses only once the count is past the limit (`>` for `>=`): the
// server holds one resize more than resizeThreads + maxWaitingResizes.
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class OffByOne extends Reference {
  protected override admit(): boolean {
    if (this.resizesHeld > this.options.resizeThreads + this.options.maxWaitingResizes) return false;
    this.resizesHeld++;
    return true;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new OffByOne(options).listen();
}
