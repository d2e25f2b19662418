// Correct alternative: every answer ends its connection (`connection: close`), not only during a
// shutdown: no connection is ever kept alive, so a client opens a new one for its next request.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class OneRequestPerConnection extends Reference {
  protected override sendBytes(res: http.ServerResponse, status: number, body: Buffer): void {
    if (res.headersSent || res.destroyed) return;
    res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-length': body.byteLength });
    res.end(body);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new OneRequestPerConnection(options).listen();
}
