// Correct alternative: the 503 says when to come back as an HTTP date (Retry-After may be a date or a
// number of seconds), with a plain-text body, all its headers given to one writeHead.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class RetryAfterDate extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const { resizeThreads, maxWaitingResizes } = this.options;
    if (this.resizesHeld >= resizeThreads + maxWaitingResizes) {
      const body = Buffer.from('Service Unavailable: every resize thread is busy and the waiting line is full\n');
      res.writeHead(503, {
        'retry-after': new Date(Date.now() + 2000).toUTCString(),
        'content-type': 'text/plain; charset=utf-8',
        'content-length': body.byteLength,
        // While shutting down, this answer too ends its connection.
        ...(this.closing ? { connection: 'close' } : {}),
      });
      res.end(body);
      return;
    }
    await super.resize(req, res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new RetryAfterDate(options).listen();
}
