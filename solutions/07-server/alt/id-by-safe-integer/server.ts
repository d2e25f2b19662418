// Correct alternative: the id read with Number() and judged with Number.isSafeInteger (as the stub's own
// comment suggests), instead of a regular expression: '1.5', '-3', '0', 'abc', '' and a number too large to
// hold exactly are all refused; the profile is then looked up by the number read.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class SafeIntegerId extends Reference {
  protected override async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const id = idText.trim() === '' ? Number.NaN : Number(idText);
    if (!Number.isSafeInteger(id) || id < 1) {
      this.send(res, 400, { error: `"${idText}" is not a user id: a whole number from 1` });
      return;
    }
    // The reference's profile, given the number as the reference writes it.
    await super.profile(String(id), res, stop);
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new SafeIntegerId(options).listen();
}
