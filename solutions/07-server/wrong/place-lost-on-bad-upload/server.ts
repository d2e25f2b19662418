// Candidate (wrong): the place is given back in a finally around the pool's work only; the 413 and the
// 400 return before it, so every bad upload keeps its place for good.
import type http from 'node:http';
import { ImageFormatError, PAM_CONTENT_TYPE, decodePam, encodePam, type RgbaImage } from '../../../../exercises/07-server/pam.ts';
import { Server as Reference, ClientGone, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class PlaceLostOnBadUpload extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!this.admit()) {
      res.setHeader('retry-after', '1');
      this.send(res, 503, { error: 'busy: try again in a second' });
      return;
    }
    let body: Buffer | undefined;
    try {
      body = await this.readImage(req);
    } catch (error) {
      this.release();
      if (stop.signal.reason instanceof ClientGone) return;
      throw error;
    }
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
    try {
      const pixels = await this.runResize(image, stop.signal);
      res.setHeader('content-type', PAM_CONTENT_TYPE);
      this.sendBytes(res, 200, encodePam({ width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels }));
    } catch (error) {
      if (stop.signal.reason instanceof ClientGone) return;
      throw error;
    } finally {
      this.release();
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PlaceLostOnBadUpload(options).listen();
}
