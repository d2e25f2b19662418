// Candidate (wrong): the body limit refuses a body of exactly maxImageBytes (>= instead of >), though
// that is the largest body the server is meant to accept.
import type http from 'node:http';
import { Server as Reference, ClientGone, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class LimitOneShort extends Reference {
  protected override readImage(req: http.IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxImageBytes;
    if (Number(req.headers['content-length']) >= limit) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (outcome: () => void) => {
        req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
        outcome();
      };
      const onData = (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size >= limit) finish(() => resolve(undefined));
        else chunks.push(chunk);
      };
      const onEnd = () => finish(() => resolve(Buffer.concat(chunks, size)));
      const onError = (error: Error) => finish(() => reject(error));
      const onClose = () => finish(() => reject(new ClientGone()));
      req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new LimitOneShort(options).listen();
}
