// Known-wrong variant: the deadline timer is cleared on every path that answers (200, 404, 500, 504),
// each clearing it itself, but not on the path where the client has left: there is no answer to send,
// so the handler just returns, and the request's Timeout stays pending until the deadline.
import http from 'node:http';
import type { UserRow } from '../../../../exercises/07-server/backend.ts';
import { ClientGone, DeadlineExceeded, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class TimerLeftOnLeave extends Reference {
  // GET /profile/:id: the row (through the pool of connections) and the picture, at once.
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id: use a whole number from 1 to 999999999` });
      return;
    }
    const id = Number(idText);
    const { signal } = stop;
    const { profileDeadlineMs } = this.options;
    const timer = setTimeout(() => stop.abort(new DeadlineExceeded(profileDeadlineMs)), profileDeadlineMs);
    {
      // Both calls leave now; only then do we wait.
      const picture = this.fetchPicture(id, signal);
      let user: UserRow | undefined;
      try {
        user = await this.queryUser(id, signal);
      } catch (error) {
        // The client left: nobody to answer (and nothing to clear: it is gone).
        if (signal.reason instanceof ClientGone) return;
        clearTimeout(timer);
        if (signal.reason instanceof DeadlineExceeded) {
          this.send(res, 504, { error: `the database did not answer within ${profileDeadlineMs} ms` });
          return;
        }
        throw error;
      }
      if (!user) {
        clearTimeout(timer);
        this.send(res, 404, { error: `there is no user ${id}` });
        return;
      }
      const { bytes, problem } = await picture;
      if (signal.reason instanceof ClientGone) return;
      clearTimeout(timer);
      this.send(res, 200, {
        id: user.id,
        name: user.name,
        picture: Buffer.from(bytes).toString('base64'),
        ...(problem === undefined ? {} : { pictureProblem: describeProblem(problem) }),
      });
    }
  }

}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new TimerLeftOnLeave(options).listen();
}

function describeProblem(problem: unknown): string {
  return problem instanceof Error ? `${problem.name}: ${problem.message}` : String(problem);
}
