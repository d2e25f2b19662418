// Correct alternative: the waiting line is a p-limit of resizeThreads in front of the pool, and
// admission reads its counts (running + waiting) at arrival; a waiting resize's body is read only once
// it is its turn, and a client that left while it waited is noticed before anything is read.
import type http from 'node:http';
import pLimit from 'p-limit';
import { ImageFormatError, PAM_CONTENT_TYPE, decodePam, encodePam, type RgbaImage } from '../../../../exercises/07-server/pam.ts';
import { Server as Reference, ClientGone, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class WaitingLine extends Reference {
  private readonly line = pLimit(this.options.resizeThreads);

  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const { resizeThreads, maxWaitingResizes } = this.options;
    // activeCount + pendingCount count a call from the moment limit() is called: no await between the check and the call.
    if (this.line.activeCount + this.line.pendingCount >= resizeThreads + maxWaitingResizes) {
      res.setHeader('retry-after', '1');
      this.send(res, 503, { error: `busy: ${resizeThreads} resizing, ${maxWaitingResizes} waiting; try again in a second` });
      return;
    }
    try {
      await this.line(async () => {
        // Its turn: the client may have left while it waited.
        stop.signal.throwIfAborted();
        const body = await this.readImage(req);
        if (!body) {
          res.setHeader('connection', 'close');
          this.send(res, 413, { error: `the image is larger than ${this.options.maxImageBytes} bytes` });
          return;
        }
        let image: RgbaImage;
        try {
          image = decodePam(body);
        } catch (error) {
          if (!(error instanceof ImageFormatError)) throw error;
          this.send(res, 400, { error: `not an image this server can resize: ${error.message}` });
          return;
        }
        const pixels = await this.runResize(image, stop.signal);
        res.setHeader('content-type', PAM_CONTENT_TYPE);
        this.sendBytes(res, 200, encodePam({ width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels }));
      });
    } catch (error) {
      if (stop.signal.reason instanceof ClientGone) return;
      throw error;
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new WaitingLine(options).listen();
}
