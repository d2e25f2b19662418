// Correct alternative: the deadline as a Promise.race between the calls and a timer, instead of a
// timer that aborts the controller. At the deadline the race answers (504, or the placeholder); the
// calls that lost the race are stopped by the abort every request gets once it is answered.
import http from 'node:http';
import { PLACEHOLDER_PICTURE, type UserRow } from '../../../../exercises/07-server/backend.ts';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

const LATE = Symbol('late');

class RacedDeadline extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id` });
      return;
    }
    const id = Number(idText);
    const { signal } = stop;
    const ms = this.options.profileDeadlineMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), ms)));
    try {
      const picture = this.fetchPicture(id, signal);
      const user: UserRow | undefined | typeof LATE = await Promise.race([this.queryUser(id, signal), deadline]).catch((error: unknown) => {
        if (signal.reason instanceof ClientGone) return undefined;
        throw error;
      });
      if (signal.reason instanceof ClientGone) return;
      if (user === LATE) {
        this.send(res, 504, { error: `the database did not answer within ${ms} ms` });
        return;
      }
      if (!user) {
        this.send(res, 404, { error: `there is no user ${id}` });
        return;
      }
      const got = await Promise.race([picture, deadline]);
      if (signal.reason instanceof ClientGone) return;
      const { bytes, problem } = got === LATE ? { bytes: PLACEHOLDER_PICTURE, problem: `the CDN did not answer within ${ms} ms` } : got;
      this.send(res, 200, {
        id: user.id,
        name: user.name,
        picture: Buffer.from(bytes).toString('base64'),
        ...(problem === undefined ? {} : { pictureProblem: describeProblem(problem) }),
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new RacedDeadline(options).listen();
}

function describeProblem(problem: unknown): string {
  return problem instanceof Error ? `${problem.name}: ${problem.message}` : String(problem);
}
