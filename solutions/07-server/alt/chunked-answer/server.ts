// Correct alternative: every answer streamed without a content-length (chunked transfer encoding), the
// image's header and its pixels in two writes, instead of one buffer with its length.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ChunkedAnswers extends Reference {
  protected override sendBytes(res: http.ServerResponse, status: number, body: Buffer): void {
    if (res.headersSent || res.destroyed) return;
    if (this.closing) res.setHeader('connection', 'close');
    res.statusCode = status;
    // A PAM answer: its text header first, then the pixels (the header ends at the line ENDHDR).
    const end = body.indexOf('ENDHDR\n');
    if (end >= 0) {
      res.write(body.subarray(0, end + 7));
      res.end(body.subarray(end + 7));
    } else {
      res.end(body);
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ChunkedAnswers(options).listen();
}
