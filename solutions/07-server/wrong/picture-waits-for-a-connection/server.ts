// Candidate (wrong): the row and the picture together, inside the database limiter: the CDN request
// waits for one of the ten database connections, and holds it until the picture arrives.
import type http from 'node:http';
import { Server as Reference, ClientGone, DeadlineExceeded, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class PictureInTheLimiter extends Reference {
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
      let both;
      try {
        // Both at once, on one connection.
        both = await this.queries(() => {
          signal.throwIfAborted();
          return Promise.all([this.options.database.queryUser(id, signal), this.fetchPicture(id, signal)]);
        });
      } catch (error) {
        if (signal.reason instanceof ClientGone) return;
        if (signal.reason instanceof DeadlineExceeded) {
          this.send(res, 504, { error: `the database did not answer within ${profileDeadlineMs} ms` });
          return;
        }
        throw error;
      }
      const [user, { bytes, problem }] = both;
      if (!user) {
        this.send(res, 404, { error: `there is no user ${id}` });
        return;
      }
      if (signal.reason instanceof ClientGone) return;
      this.send(res, 200, {
        id: user.id,
        name: user.name,
        picture: Buffer.from(bytes).toString('base64'),
        ...(problem === undefined ? {} : { pictureProblem: problem instanceof Error ? problem.message : 'the picture could not be loaded' }),
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PictureInTheLimiter(options).listen();
}
