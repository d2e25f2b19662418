// Known-wrong variant: a resize whose client leaves gives its place back at once, in the response's
// 'close' listener ("the place is free now"), and again in the `finally` of the resize: every client
// that leaves makes room for one more resize than the server may hold.
import http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ReleaseOnLeave extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    res.on('close', () => {
      if (!res.writableFinished && res.statusCode !== 503) this.release();
    });
    await super.resize(req, res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ReleaseOnLeave(options).listen();
}
