// Correct alternative: the profile as one Promise.all of the row and the picture (the picture's failure
// already turned into the placeholder), instead of awaiting the row first: a 404 then waits for the
// picture too, and a failed query rejects the Promise.all at once. The deadline is AbortSignal.any of the
// request's signal and AbortSignal.timeout(profileDeadlineMs), whose timer keeps nothing alive.
import type http from 'node:http';
import { PLACEHOLDER_PICTURE } from '../../../../exercises/07-server/backend.ts';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class PromiseAllProfile extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id` });
      return;
    }
    const id = Number(idText);
    const { database, cdn, profileDeadlineMs } = this.options;
    const deadline = AbortSignal.timeout(profileDeadlineMs);
    const signal = AbortSignal.any([stop.signal, deadline]);
    let row, picture;
    try {
      [row, picture] = await Promise.all([
        this.queries(() => {
          signal.throwIfAborted();
          return database.queryUser(id, signal);
        }),
        cdn.fetchPicture(id, signal).then(
          (bytes) => ({ bytes, problem: undefined as string | undefined }),
          (error: unknown) => ({ bytes: PLACEHOLDER_PICTURE, problem: error instanceof Error ? error.message : String(error) }),
        ),
      ]);
    } catch (error) {
      if (stop.signal.aborted) return; // the client left: nobody to answer
      if (deadline.aborted) {
        this.send(res, 504, { error: `no row from the database within ${profileDeadlineMs} ms` });
        return;
      }
      throw error; // the catch-all answers 500
    }
    if (stop.signal.aborted) return;
    if (!row) {
      this.send(res, 404, { error: `no user ${id}` });
      return;
    }
    this.send(res, 200, {
      id: row.id,
      name: row.name,
      picture: Buffer.from(picture.bytes).toString('base64'),
      ...(picture.problem === undefined ? {} : { pictureProblem: picture.problem }),
    });
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new PromiseAllProfile(options).listen();
}
