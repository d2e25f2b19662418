// Correct alternative: the profile's deadline is its own signal, AbortSignal.timeout(profileDeadlineMs),
// combined with the request's signal by AbortSignal.any; no timer to clear by hand. The reason tells
// which fired: a TimeoutError DOMException from the deadline, ClientGone from the request.
import type http from 'node:http';
import type { UserRow } from '../../../../exercises/07-server/backend.ts';
import { ClientGone, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class SignalDeadline extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id` });
      return;
    }
    const id = Number(idText);
    const deadline = AbortSignal.timeout(this.options.profileDeadlineMs);
    const signal = AbortSignal.any([stop.signal, deadline]);
    const [row, picture] = await Promise.allSettled([this.queryUser(id, signal), this.fetchPicture(id, signal)]);
    if (stop.signal.reason instanceof ClientGone) return;
    if (row.status === 'rejected') {
      if (deadline.aborted) {
        this.send(res, 504, { error: `the database did not answer within ${this.options.profileDeadlineMs} ms` });
        return;
      }
      throw row.reason;
    }
    const user: UserRow | undefined = row.value;
    if (!user) {
      this.send(res, 404, { error: `there is no user ${id}` });
      return;
    }
    const { bytes, problem }: { bytes: Uint8Array; problem?: unknown } =
      picture.status === 'fulfilled' ? picture.value : { bytes: new Uint8Array(), problem: picture.reason as unknown };
    this.send(res, 200, {
      id: user.id,
      name: user.name,
      picture: Buffer.from(bytes).toString('base64'),
      // Whatever the CDN rejected with, in words.
      // eslint-disable-next-line @typescript-eslint/no-base-to-string
      ...(problem === undefined ? {} : { pictureProblem: problem instanceof Error ? `${problem.name}: ${problem.message}` : String(problem) }),
    });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new SignalDeadline(options).listen();
}
