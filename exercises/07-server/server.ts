// Exercise 07: the article's web server, under real load. Read README.md in this folder first;
// `npm start` runs the tests on save, `npm run kata -- serve 07` starts this server for curl.
// Replace each `throw` with your code. Keep `startServer`, `ServerOptions` and `RunningServer` as
// they are (the tests use them); the class below is one way to lay the server out, change it freely.
//
// What you will need, all installed: `node:http`; `p-limit` (exercise 02) for the database's pool of
// connections; `piscina` (exercise 03) for the worker pool, with the worker file's address
// `new URL('./resize.worker.ts', import.meta.url).href`; and from this folder backend.ts (the types
// of the database and the CDN, PLACEHOLDER_PICTURE) and pam.ts (decodePam, encodePam).
import type http from 'node:http';
import type { Cdn, Database } from './backend.ts';

export interface ServerOptions {
  database: Database;
  cdn: Cdn;
  /** The database's connection pool: at most this many queries at once, across every request. */
  maxQueries: number;
  /** How long one GET /profile may take; then what is still missing is given up (and cancelled). */
  profileDeadlineMs: number;
  /** Worker threads for resizing: the server's one pool. */
  resizeThreads: number;
  /** How many resizes may wait for a free thread; one more is refused at once with 503 and Retry-After. */
  maxWaitingResizes: number;
  /** The largest POST /resize body accepted, in bytes; a bigger one gets 413. */
  maxImageBytes: number;
  /** Where to listen: 127.0.0.1 unless told otherwise. */
  host?: string;
  /** 0 (the default) asks the system for any free port. */
  port?: number;
}

export interface RunningServer {
  /** Where the server listens, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** The node:http server itself. */
  readonly http: http.Server;
  /**
   * Graceful shutdown: stop accepting connections, answer every request already accepted, then
   * close the worker pool. Resolves when nothing of the server is left running.
   */
  close(): Promise<void>;
}

/** Starts a server and resolves once it listens. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new Server(options).listen();
}

export class Server implements RunningServer {
  readonly http: http.Server;

  // Step 1: the node:http server, whose request handler routes each request (this.route), and one
  // limiter for every database query of every request (pLimit(options.maxQueries)).
  // Step 2: one worker pool for every resize: resizeThreads threads, all started up front.
  constructor(readonly options: ServerOptions) {
    throw new Error('TODO step 1: create the node:http server (http.createServer) and the database limiter (pLimit)');
  }

  get url(): string {
    throw new Error('TODO step 1: http://<host>:<the port the server listens on> (this.http.address())');
  }

  // Step 1: listen on options.host (127.0.0.1) and options.port (0: any free port); resolve once listening.
  // A thousand clients at once: pass a backlog of 2048 (Node's default, 511, makes the rest wait a second).
  async listen(): Promise<this> {
    throw new Error('TODO step 1: this.http.listen({ host, port, backlog }) and resolve when it is listening');
  }

  // Step 1: GET /health answers at once; GET /profile/<id> goes to this.profile; anything else is a
  // clear 4xx (404 no such route, 405 wrong method) with a JSON body {"error": "..."}.
  // Step 2: POST /resize goes to this.resize.
  // Step 4: each request gets an AbortController, aborted when the client leaves: the response closes
  // before it was finished (res.on('close') with res.writableFinished false). Pass its signal on.
  protected async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    throw new Error('TODO step 1: route /health, /profile/<id> (and, in step 2, /resize)');
  }

  // Step 1: 400 for an id that is not a whole number from 1 that a JavaScript number holds exactly
  // (Number.isSafeInteger: '12345678901234567890' is not one, it would read as another id); the row (through the limiter) and the
  // picture at once; 404 when there is no such user; PLACEHOLDER_PICTURE (and a "pictureProblem")
  // when the picture fails; 500 when the database fails. Answer JSON: {"id", "name", "picture" (base64)}.
  // Step 1, deadline: after options.profileDeadlineMs, abort what is still running: 504 without the
  // row, the placeholder without the picture.
  // Step 4: a query still waiting for a connection when the request is cancelled never starts.
  protected async profile(idText: string, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
    throw new Error('TODO step 1: the row and the picture at once, through the pool of connections');
  }

  // Step 2: read the body (413 past options.maxImageBytes, before reading it all), decodePam (400 when it
  // throws ImageFormatError), downscale on the pool (moving the pixels), answer encodePam(resized).
  // Step 3: admission: when resizeThreads resizes run and maxWaitingResizes wait, answer 503 at once,
  // with a Retry-After header.
  // Step 4: the signal goes to the pool too (pool.run(image, { transferList, signal })).
  protected async resize(req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
    throw new Error('TODO step 2: the resize, on the worker pool');
  }

  // Step 4: stop accepting connections, answer every accepted request (each answer ending its
  // kept-alive connection), then close the pool. Leave no timer, socket or thread behind.
  async close(): Promise<void> {
    throw new Error('TODO step 4: a graceful shutdown');
  }
}
