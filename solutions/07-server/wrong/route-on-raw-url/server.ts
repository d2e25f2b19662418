// Known-wrong variant: the router matches req.url as it came, query string and all, instead of its path:
// GET /health?from=probe and GET /profile/7?fields=all are "no such route" (404) or a bad id (400).
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class RawUrl extends Reference {
  protected override async route(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const url = req.url ?? '/';
    if (url === '/health') {
      if (this.allowed(req, res, 'GET')) this.send(res, 200, { status: 'ok' });
      return;
    }
    const profile = /^\/profile\/([^/]*)$/.exec(url);
    if (profile) {
      if (this.allowed(req, res, 'GET')) await this.profile(profile[1] ?? '', res, stop);
      return;
    }
    if (url === '/resize') {
      if (this.allowed(req, res, 'POST')) await this.resize(req, res, stop);
      return;
    }
    this.send(res, 404, { error: `there is no ${req.method ?? ''} ${url}` });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new RawUrl(options).listen();
}
