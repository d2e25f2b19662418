// Correct alternative: a different admission policy. The reference counts a resize from the moment it
// arrives and refuses before reading the body; this one reads (and checks) the body first and counts
// only the resizes handed to the pool, refusing when the pool's threads are busy and its line is full.
// Refusals are just as immediate; the price is that uploads in progress are not counted (their memory
// is bounded by maxImageBytes each, but not in total).
import type http from 'node:http';
import { ImageFormatError, PAM_CONTENT_TYPE, decodePam, encodePam, type RgbaImage } from '../../../../exercises/07-server/pam.ts';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class AdmissionAfterTheBody extends Reference {
  /** Resizes handed to the pool: running, or waiting for a thread. */
  private inPool = 0;

  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    try {
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
      const { resizeThreads, maxWaitingResizes } = this.options;
      if (this.inPool >= resizeThreads + maxWaitingResizes) {
        res.setHeader('retry-after', '1');
        this.send(res, 503, { error: `busy: ${resizeThreads} resizes running and ${maxWaitingResizes} waiting; try again in a second` });
        return;
      }
      this.inPool++;
      let pixels: Uint8Array;
      try {
        pixels = await this.runResize(image, stop.signal);
      } finally {
        this.inPool--;
      }
      res.setHeader('content-type', PAM_CONTENT_TYPE);
      this.sendBytes(res, 200, encodePam({ width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels }));
    } catch (error) {
      if (stop.signal.reason instanceof ClientGone) return;
      throw error;
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new AdmissionAfterTheBody(options).listen();
}
