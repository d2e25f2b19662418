// Known-wrong: the profile's deadline timer is never cleared: every profile leaves a timer behind
// for profileDeadlineMs, that keeps the process alive and later aborts a request long answered.
import type http from 'node:http';
import { DeadlineExceeded, Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class TimerLeft extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const { profileDeadlineMs } = this.options;
    // The mistake: nobody keeps the timer, so nobody clears it (the reference's own is cleared at once).
    setTimeout(() => stop.abort(new DeadlineExceeded(profileDeadlineMs)), profileDeadlineMs);
    await super.profile(idText, res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new TimerLeft(options).listen();
}
