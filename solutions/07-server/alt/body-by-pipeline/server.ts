// A correct alternative: the body read with stream.pipeline into an async function that counts the
// chunks and throws once they pass maxImageBytes. pipeline() destroys the request then (the rest is
// never read) and the 413 still goes out; a client that leaves half-way makes pipeline() reject
// (premature close), which ends the read.
import type http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class TooLarge extends Error {}

class PipelineBody extends Reference {
  protected override async readImage(req: http.IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxImageBytes;
    if (Number(req.headers['content-length']) > limit) return undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      await pipeline(req, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          size += chunk.byteLength;
          if (size > limit) throw new TooLarge();
          chunks.push(chunk);
        }
      });
    } catch (error) {
      if (error instanceof TooLarge) return undefined;
      throw error;
    }
    return Buffer.concat(chunks, size);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PipelineBody(options).listen();
}
