// Correct alternative: the body read with `for await` over the request, stopping at the limit. The
// iterator is made with destroyOnReturn: false, so leaving the loop early (too large) does not destroy
// the request and its socket: the 413 still goes out. A client that leaves mid-upload makes the
// iterator reject, which ends the read.
import http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ForAwaitBody extends Reference {
  protected override async readImage(req: http.IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxImageBytes;
    if (Number(req.headers['content-length']) > limit) return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > limit) return undefined;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ForAwaitBody(options).listen();
}
