// A correct alternative: the profile's deadline timer is never cleared, but unref()'d, as
// AbortSignal.timeout() does with its own: it keeps nothing alive (not the process, not a closing
// server), and when it fires after the answer it aborts a controller the answer already aborted.
import type http from 'node:http';
import type { UserRow } from '../../../../exercises/07-server/backend.ts';
import { ClientGone, DeadlineExceeded, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class UnrefDeadline extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id: use a whole number from 1 to 999999999` });
      return;
    }
    const id = Number(idText);
    const { signal } = stop;
    const { profileDeadlineMs } = this.options;
    // Left to fire by itself, unref()'d: no clearTimeout on any path.
    setTimeout(() => stop.abort(new DeadlineExceeded(profileDeadlineMs)), profileDeadlineMs).unref();
    const picture = this.fetchPicture(id, signal);
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
    const { bytes, problem } = await picture;
    if (signal.reason instanceof ClientGone) return;
    this.send(res, 200, {
      id: user.id,
      name: user.name,
      picture: Buffer.from(bytes).toString('base64'),
      ...(problem === undefined ? {} : { pictureProblem: describeProblem(problem) }),
    });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new UnrefDeadline(options).listen();
}

function describeProblem(problem: unknown): string {
  return problem instanceof Error ? `${problem.name}: ${problem.message}` : String(problem);
}
