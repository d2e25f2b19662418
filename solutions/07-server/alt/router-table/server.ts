// Correct alternative: the routes as a table (a pattern, then a handler per method) instead of if/else:
// a path no pattern matches is 404, a method the matching route has no handler for is 405 with an Allow
// header listing the ones it has. Every handler is async and gets the request's parts it needs.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController, params: string[]) => Promise<void>;

class RouterTable extends Reference {
  private readonly table: readonly { pattern: RegExp; methods: Readonly<Record<string, Handler>> }[] = [
    { pattern: /^\/health$/, methods: { GET: (_req, res) => Promise.resolve(this.send(res, 200, { status: 'ok' })) } },
    { pattern: /^\/profile\/([^/]*)$/, methods: { GET: async (_req, res, stop, [id = '']) => await this.profile(id, res, stop) } },
    { pattern: /^\/resize$/, methods: { POST: async (req, res, stop) => await this.resize(req, res, stop) } },
  ];

  protected override async route(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://server');
    for (const { pattern, methods } of this.table) {
      const match = pattern.exec(pathname);
      if (!match) continue;
      const handler = methods[req.method ?? ''];
      if (!handler) {
        const allowed = Object.keys(methods).join(', ');
        res.setHeader('allow', allowed);
        this.send(res, 405, { error: `${req.method ?? ''} ${pathname} is not allowed: use ${allowed}` });
        return;
      }
      await handler(req, res, stop, match.slice(1));
      return;
    }
    this.send(res, 404, { error: `no route for ${pathname}` });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new RouterTable(options).listen();
}
