// Candidate (wrong): the picture's promise is kept raw (no handler) while the row is awaited: when the
// profile ends early (404, 500, 504, a client gone), nobody ever awaits it, and once the request's abort
// stops it, it rejects with nobody listening.
import type http from 'node:http';
import { PLACEHOLDER_PICTURE, type UserRow } from '../../../../exercises/07-server/backend.ts';
import { Server as Reference, ClientGone, DeadlineExceeded, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class PictureUnwatched extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id` });
      return;
    }
    const id = Number(idText);
    const { signal } = stop;
    const { profileDeadlineMs } = this.options;
    const timer = setTimeout(() => stop.abort(new DeadlineExceeded(profileDeadlineMs)), profileDeadlineMs);
    try {
      const picture = this.options.cdn.fetchPicture(id, signal);
      let user: UserRow | undefined;
      try {
        user = await this.queryUser(id, signal);
      } catch (error) {
        if (signal.reason instanceof ClientGone) return;
        if (signal.reason instanceof DeadlineExceeded) {
          this.send(res, 504, { error: `the database did not answer within ${profileDeadlineMs} ms` });
          return;
        }
        throw error;
      }
      if (!user) {
        this.send(res, 404, { error: `there is no user ${id}` });
        return;
      }
      let bytes: Uint8Array;
      let problem: string | undefined;
      try {
        bytes = await picture;
      } catch (error) {
        bytes = PLACEHOLDER_PICTURE;
        problem = error instanceof Error ? error.message : 'the picture could not be loaded';
      }
      if (signal.reason instanceof ClientGone) return;
      this.send(res, 200, { id: user.id, name: user.name, picture: Buffer.from(bytes).toString('base64'), ...(problem === undefined ? {} : { pictureProblem: problem }) });
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PictureUnwatched(options).listen();
}
