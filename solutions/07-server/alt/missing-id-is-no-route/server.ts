// Correct alternative: GET /profile/ (no id at all) is taken as a route that does not exist, 404, as a
// router with `/profile/:id` would answer; an id that is there but wrong is still 400.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class MissingIdIsNoRoute extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (idText === '') {
      this.send(res, 404, { error: 'there is no GET /profile/: try GET /profile/<id>' });
      return;
    }
    await super.profile(idText, res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new MissingIdIsNoRoute(options).listen();
}
