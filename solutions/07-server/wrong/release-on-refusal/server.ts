// Known-wrong variant: the admission check and the count sit inside one try whose finally gives the place
// back, so a refused resize (which never took a place) gives one back too: every 503 makes room for one
// more resize than the server may hold.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
import { ImageFormatError, PAM_CONTENT_TYPE, decodePam, encodePam, type RgbaImage } from '../../../../exercises/07-server/pam.ts';
export * from '../../server.ts';

class ReleaseOnRefusal extends Reference {
  protected override async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const { resizeThreads, maxWaitingResizes } = this.options;
    try {
      if (this.resizesHeld >= resizeThreads + maxWaitingResizes) {
        res.setHeader('retry-after', '1');
        this.send(res, 503, { error: `busy: ${this.resizesHeld} resizes are in the server; try again in a second` });
        return;
      }
      this.resizesHeld++;
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
    } catch (error) {
      if (stop.signal.aborted && !res.writableFinished) return;
      throw error;
    } finally {
      this.resizesHeld--;
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new ReleaseOnRefusal(options).listen();
}
