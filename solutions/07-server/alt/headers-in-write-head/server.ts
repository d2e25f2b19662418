// Correct alternative: the 503 refusal written by hand, its status and every header (Retry-After among
// them) given to the one res.writeHead() call, none set with setHeader() before it. Node sends such
// headers without storing them on the response (res.getHeaders() does not list them): the answer on
// the wire is what counts.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class HeadersInWriteHead extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    // Room left: the reference takes its place at once (admit() runs before its first await).
    if (this.resizesHeld < this.options.resizeThreads + this.options.maxWaitingResizes) return super.resize(req, res, stop);
    const body = JSON.stringify({ error: `busy: ${this.resizesHeld} resizes are in the server; try again in a second` });
    res.writeHead(503, {
      'Retry-After': '1',
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      ...(this.closing ? { Connection: 'close' } : {}),
    });
    res.end(body);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new HeadersInWriteHead(options).listen();
}
