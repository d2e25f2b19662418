// Known-wrong variant: the id read with Number.parseInt, which reads as much of a number as it can and
// drops the rest: "1.5" is user 1, "7abc" user 7, and only what does not start with a digit is refused.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class IdByParseInt extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const id = Number.parseInt(idText, 10);
    if (Number.isNaN(id) || id < 1) {
      this.send(res, 400, { error: `"${idText}" is not a user id` });
      return;
    }
    // From here on, the reference's profile, given the id as parseInt read it.
    await super.profile(String(Math.min(id, 999_999_999)), res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new IdByParseInt(options).listen();
}
