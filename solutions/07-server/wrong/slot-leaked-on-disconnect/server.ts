// Known-wrong: a resize's place in the server is given back only when the resize is answered. A client
// that leaves (while uploading, waiting or running) keeps its place forever: after as many departures
// as the server has room for, every resize is refused with 503, for good.
import type http from 'node:http';
import { ImageFormatError, PAM_CONTENT_TYPE, decodePam, encodePam, type RgbaImage } from '../../../../exercises/07-server/pam.ts';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class LeaksPlaces extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!this.admit()) {
      res.setHeader('retry-after', '1');
      this.send(res, 503, { error: 'busy: try again in a second' });
      return;
    }
    try {
      const body = await this.readImage(req);
      if (!body) {
        res.setHeader('connection', 'close');
        this.release();
        this.send(res, 413, { error: `the image is larger than ${this.options.maxImageBytes} bytes` });
        return;
      }
      let image: RgbaImage;
      try {
        image = decodePam(body);
      } catch (error) {
        if (!(error instanceof ImageFormatError)) throw error;
        this.release();
        this.send(res, 400, { error: `not an image this server can resize: ${error.message}` });
        return;
      }
      const pixels = await this.runResize(image, stop.signal);
      this.release();
      res.setHeader('content-type', PAM_CONTENT_TYPE);
      this.sendBytes(res, 200, encodePam({ width: Math.floor(image.width / 2), height: Math.floor(image.height / 2), data: pixels }));
    } catch (error) {
      // The mistake: the client left, nobody to answer, and the place is never given back.
      if (stop.signal.reason instanceof ClientGone) return;
      this.release();
      throw error;
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new LeaksPlaces(options).listen();
}
