// Known-wrong variant: the router takes a resize's place as soon as the path is /resize, before the method
// is checked, and only the POST handler gives it back: every GET /resize (405) keeps its place for good.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class PlaceLostOn405 extends Reference {
  protected override async route(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://server').pathname;
    if (path !== '/resize') return await super.route(req, res, stop);
    if (!this.admit()) {
      res.setHeader('retry-after', '1');
      this.send(res, 503, { error: 'busy: try again in a second' });
      return;
    }
    if (!this.allowed(req, res, 'POST')) return;
    await this.resizeAdmitted(req, res, stop);
  }

  /** The reference's resize, minus its own admission: the place was taken by the router. */
  protected async resizeAdmitted(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    // The reference's resize() admits again; give that second place back at once, then let it run.
    this.release();
    await this.resize(req, res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PlaceLostOn405(options).listen();
}
