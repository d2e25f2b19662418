// Known-wrong: the body is read whole, whatever its size; maxImageBytes is checked nowhere.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class NoBodyLimit extends Reference {
  protected override async readImage(req: http.IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new NoBodyLimit(options).listen();
}
