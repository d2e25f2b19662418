// Correct alternative: a graceful shutdown that tracks the connections and their answers itself,
// instead of checking a "closing" flag whenever it answers. On close() an idle connection is closed at
// once, and every answer still in progress is marked as its connection's last (shouldKeepAlive = false:
// Node then sends `connection: close` and ends the connection after it).
import type http from 'node:http';
import type { Socket } from 'node:net';
import { Server as Reference, type RunningServer, type ServerOptions } from '../../server.ts';
export * from '../../server.ts';

class TracksConnections extends Reference {
  /** Every open connection, with its answers in progress. */
  private readonly connections = new Map<Socket, Set<http.ServerResponse>>();
  private shuttingDown: Promise<void> | undefined;

  constructor(options: ServerOptions) {
    super(options);
    this.http.on('connection', (socket: Socket) => {
      this.connections.set(socket, new Set());
      socket.once('close', () => this.connections.delete(socket));
    });
  }

  protected override accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    const answers = this.connections.get(req.socket);
    answers?.add(res);
    res.once('close', () => answers?.delete(res));
    // A request that came in on an open connection after close(): its answer ends the connection.
    if (this.shuttingDown) res.shouldKeepAlive = false;
    super.accept(req, res);
  }

  override close(): Promise<void> {
    this.shuttingDown ??= (async () => {
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      for (const [socket, answers] of this.connections) {
        if (answers.size === 0) socket.destroy();
        else for (const res of answers) res.shouldKeepAlive = false;
      }
      while (this.handling.size > 0) await Promise.allSettled([...this.handling]);
      await stopped;
      await this.pool.close();
    })();
    return this.shuttingDown;
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new TracksConnections(options).listen();
}
