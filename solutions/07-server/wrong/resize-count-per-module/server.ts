// Known-wrong variant: the admission count lives in the module, not in the server: every server the
// process starts shares one count, each judging it against its own limit. A busy server makes a second
// one refuse resizes it has room for (and each may let the other exceed its limit).
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

/** Resizes running or waiting. */
let resizesInServer = 0;

class ModuleCount extends Reference {
  protected override admit(): boolean {
    if (resizesInServer >= this.options.resizeThreads + this.options.maxWaitingResizes) return false;
    resizesInServer++;
    return true;
  }

  protected override release(): void {
    resizesInServer--;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ModuleCount(options).listen();
}
