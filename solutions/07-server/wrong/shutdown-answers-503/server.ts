// Known-wrong: a "fast" graceful shutdown. close() stops listening, then aborts every request still in
// progress and answers each one 503 (try again later) instead of finishing it: every request gets an
// answer, but the work the server had accepted (a profile half fetched, a resize queued) is dropped.
import type http from 'node:http';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class ShuttingDown extends Error {
  override name = 'AbortError';
  override message = 'the server is shutting down';
}

class FastShutdown extends Reference {
  readonly inProgress = new Set<{ stop: AbortController; res: http.ServerResponse }>();

  protected override async route(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const entry = { stop, res };
    this.inProgress.add(entry);
    try {
      await super.route(req, res, stop);
    } catch (error) {
      if (!(stop.signal.reason instanceof ShuttingDown)) throw error;
    } finally {
      this.inProgress.delete(entry);
      // The mistake: whatever was cut short by the shutdown is refused, not finished.
      if (stop.signal.reason instanceof ShuttingDown && !res.headersSent) {
        res.setHeader('retry-after', '1');
        this.send(res, 503, { error: 'the server is shutting down: try again in a second' });
      }
    }
  }

  override close(): Promise<void> {
    if (!this.closing) {
      for (const { stop } of this.inProgress) stop.abort(new ShuttingDown());
    }
    return super.close();
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new FastShutdown(options).listen();
}
