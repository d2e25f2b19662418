// Candidate (wrong): the deadline timer is cleared as soon as the row has arrived, so the wait for the
// picture has no deadline any more: a slow CDN keeps the profile waiting as long as it likes.
import type http from 'node:http';
import type { UserRow } from '../../../../exercises/07-server/backend.ts';
import { Server as Reference, ClientGone, DeadlineExceeded, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class DeadlineForTheRowOnly extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id` });
      return;
    }
    const id = Number(idText);
    const { signal } = stop;
    const { profileDeadlineMs } = this.options;
    const timer = setTimeout(() => stop.abort(new DeadlineExceeded(profileDeadlineMs)), profileDeadlineMs);
    const picture = this.fetchPicture(id, signal);
    let user: UserRow | undefined;
    try {
      user = await this.queryUser(id, signal);
    } catch (error) {
      clearTimeout(timer);
      if (signal.reason instanceof ClientGone) return;
      if (signal.reason instanceof DeadlineExceeded) {
        this.send(res, 504, { error: `the database did not answer within ${profileDeadlineMs} ms` });
        return;
      }
      throw error;
    }
    // The row is here: the deadline has done its job.
    clearTimeout(timer);
    if (!user) {
      this.send(res, 404, { error: `there is no user ${id}` });
      return;
    }
    const { bytes, problem } = await picture;
    if (signal.reason instanceof ClientGone) return;
    this.send(res, 200, {
      id: user.id,
      name: user.name,
      picture: Buffer.from(bytes).toString('base64'),
      ...(problem === undefined ? {} : { pictureProblem: problem instanceof Error ? problem.message : 'the picture could not be loaded' }),
    });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new DeadlineForTheRowOnly(options).listen();
}
