// Known-wrong: the picture is only asked for once the row has arrived: two waits instead of one.
import type http from 'node:http';
import { ClientGone, DeadlineExceeded, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class OneAfterTheOther extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id` });
      return;
    }
    const id = Number(idText);
    const { signal } = stop;
    const deadline = this.options.profileDeadlineMs;
    const timer = setTimeout(() => stop.abort(new DeadlineExceeded(deadline)), deadline);
    try {
      let user;
      try {
        user = await this.queryUser(id, signal);
      } catch (error) {
        if (signal.reason instanceof ClientGone) return;
        if (signal.reason instanceof DeadlineExceeded) return this.send(res, 504, { error: `no row within ${deadline} ms` });
        throw error;
      }
      if (!user) return this.send(res, 404, { error: `there is no user ${id}` });
      // The mistake: this request leaves only now.
      const { bytes, problem } = await this.fetchPicture(id, signal);
      this.send(res, 200, { id: user.id, name: user.name, picture: Buffer.from(bytes).toString('base64'), ...(problem === undefined ? {} : { pictureProblem: problem instanceof Error ? problem.message : 'no picture' }) });
    } finally {
      clearTimeout(timer);
    }
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new OneAfterTheOther(options).listen();
}
