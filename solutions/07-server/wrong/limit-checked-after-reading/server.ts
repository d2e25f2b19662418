// Known-wrong variant: the body's size is checked only once all of it has been read. A declared
// content-length over the limit is still refused at once, but a chunked body (no length up front) is read
// whole into memory first, however large it grows, and a body that never ends is waited for forever.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class LimitAfterReading extends Reference {
  protected override async readImage(req: http.IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxImageBytes;
    if (Number(req.headers['content-length']) > limit) return undefined;
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    return body.byteLength > limit ? undefined : body;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new LimitAfterReading(options).listen();
}
