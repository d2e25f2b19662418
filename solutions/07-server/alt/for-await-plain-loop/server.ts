// A correct alternative: the body read with a plain `for await (const chunk of req)`, returning from the
// loop once the size passes maxImageBytes. Leaving the loop destroys the request (the rest of the body
// is never read), and the 413 still goes out, with connection: close.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class PlainForAwait extends Reference {
  protected override async readImage(req: http.IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxImageBytes;
    if (Number(req.headers['content-length']) > limit) return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > limit) return undefined;
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PlainForAwait(options).listen();
}
