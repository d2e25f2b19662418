// Correct alternative: the whole image work on the pool, not only the downscale: the main thread reads the
// body's bytes and hands them to a thread, which decodes the PAM, downscales it and encodes the answer (a
// body that is no image comes back as the decoder's message, answered 400). The event loop only moves bytes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pLimit, { type LimitFunction } from 'p-limit';
import { Piscina } from 'piscina';
import { PLACEHOLDER_PICTURE, type Cdn, type Database, type UserRow } from '../../../../exercises/07-server/backend.ts';
import { PAM_CONTENT_TYPE } from '../../../../exercises/07-server/pam.ts';
import type { ResizeOutcome } from './resize.worker.ts';

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

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  return await new Server(options).listen();
}

// The worker file beside this module: under the kata's target switch it follows this module.
const WORKER = new URL('./resize.worker.ts', import.meta.url).href;

/** Why a request's work was stopped; each reason is its own class, so the handlers can tell them apart. */
export class ClientGone extends Error {
  override name = 'AbortError';
  override message = 'the client closed the connection before the answer';
}
export class DeadlineExceeded extends Error {
  override name = 'TimeoutError';
  constructor(readonly deadlineMs: number) {
    super(`no answer within ${deadlineMs} ms`);
  }
}
class Answered extends Error {
  override name = 'AbortError';
  override message = 'the request has been answered';
}

export class Server implements RunningServer {
  readonly http: http.Server;
  /** One limiter and one worker pool for the whole server: every request shares them. */
  protected readonly queries: LimitFunction;
  protected readonly pool: Piscina<Uint8Array, ResizeOutcome>;
  /** Admission control: resizes running or waiting, counted from the moment they arrive. */
  protected resizesHeld = 0;
  /** Every request being handled: close() waits for all of them. */
  protected readonly handling = new Set<Promise<void>>();
  protected closing: Promise<void> | undefined;

  constructor(readonly options: ServerOptions) {
    // A limiter per request would limit nothing; a pool per request would pay a thread's start-up
    // every time. Both are made once, here.
    this.queries = pLimit(options.maxQueries);
    // Every thread starts now (minThreads = maxThreads), not on the first busy moment.
    const threads = options.resizeThreads;
    this.pool = new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads });
    this.http = http.createServer((req, res) => this.accept(req, res));
  }

  /** Where it listens (known once listen() has resolved, and kept after close()). */
  url = '';

  async listen(): Promise<this> {
    const { host = '127.0.0.1', port = 0 } = this.options;
    try {
      await new Promise<void>((resolve, reject) => {
        this.http.once('error', reject);
        // A thousand clients connecting at once: the kernel holds the connections not accepted yet,
        // and with Node's default backlog (511) the rest would retry a second later.
        this.http.listen({ host, port, backlog: 2048 }, () => {
          this.http.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await this.pool.destroy();
      throw error;
    }
    this.url = `http://${host}:${(this.http.address() as AddressInfo).port}`;
    return this;
  }

  /** One request: its own AbortController, then the route; whatever happens, an answer. */
  protected accept(req: http.IncomingMessage, res: http.ServerResponse): void {
    // It aborts when the client leaves (the response closed before it was complete), at a deadline,
    // and once the answer is out, so nothing the request started keeps running.
    const stop = new AbortController();
    res.on('close', () => stop.abort(res.writableFinished ? new Answered() : new ClientGone()));
    const handled: Promise<void> = this.route(req, res, stop)
      .catch((error: unknown) => this.answerFailure(res, error))
      .finally(() => {
        stop.abort(new Answered());
        this.handling.delete(handled);
      });
    this.handling.add(handled);
  }

  protected async route(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://server').pathname;
    if (path === '/health') {
      if (this.allowed(req, res, 'GET')) {
        this.send(res, 200, { status: 'ok', resizesHeld: this.resizesHeld, queriesRunning: this.queries.activeCount, queriesWaiting: this.queries.pendingCount });
      }
      return;
    }
    const profile = /^\/profile\/([^/]*)$/.exec(path);
    if (profile) {
      if (this.allowed(req, res, 'GET')) await this.profile(profile[1] ?? '', res, stop);
      return;
    }
    if (path === '/resize') {
      if (this.allowed(req, res, 'POST')) await this.resize(req, res, stop);
      return;
    }
    this.send(res, 404, { error: `there is no ${req.method ?? ''} ${path}: try GET /health, GET /profile/<id> or POST /resize` });
  }

  // GET /profile/:id: the row (through the pool of connections) and the picture, at once.
  protected async profile(idText: string, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) {
      this.send(res, 400, { error: `"${idText}" is not a user id: use a whole number from 1 to 999999999` });
      return;
    }
    const id = Number(idText);
    const { signal } = stop;
    const { profileDeadlineMs } = this.options;
    const timer = setTimeout(() => stop.abort(new DeadlineExceeded(profileDeadlineMs)), profileDeadlineMs);
    try {
      // Both calls leave now; only then do we wait.
      const picture = this.fetchPicture(id, signal);
      let user: UserRow | undefined;
      try {
        user = await this.queryUser(id, signal);
      } catch (error) {
        if (signal.reason instanceof ClientGone) return;
        if (signal.reason instanceof DeadlineExceeded) {
          this.send(res, 504, { error: `the database did not answer within ${profileDeadlineMs} ms` });
          return;
        }
        throw error;
      }
      if (!user) {
        this.send(res, 404, { error: `there is no user ${id}` });
        return;
      }
      const { bytes, problem } = await picture;
      if (signal.reason instanceof ClientGone) return;
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

  /** One query, through the pool of connections; a query still waiting when the request is cancelled never starts. */
  protected queryUser(id: number, signal: AbortSignal): Promise<UserRow | undefined> {
    return this.queries(() => {
      signal.throwIfAborted();
      return this.options.database.queryUser(id, signal);
    });
  }

  /** The picture, or the placeholder and why: this promise never rejects. */
  protected fetchPicture(id: number, signal: AbortSignal): Promise<{ bytes: Uint8Array; problem?: unknown }> {
    return this.options.cdn.fetchPicture(id, signal).then(
      (bytes) => ({ bytes }),
      (problem: unknown) => ({ bytes: PLACEHOLDER_PICTURE, problem }),
    );
  }

  // POST /resize: admitted or refused at once; the pixels go to the pool and come back moved.
  protected async resize(req: http.IncomingMessage, res: http.ServerResponse, stop: AbortController): Promise<void> {
    if (!this.admit()) {
      // Refused before reading the body; Node reads and drops it, so the connection stays usable.
      res.setHeader('retry-after', '1');
      const { resizeThreads, maxWaitingResizes } = this.options;
      this.send(res, 503, { error: `busy: ${this.resizesHeld} resizes are in the server (${resizeThreads} running, ${maxWaitingResizes} waiting at most); try again in a second` });
      return;
    }
    try {
      const body = await this.readImage(req);
      if (!body) {
        // The rest of the body is not read: the connection closes after this answer.
        res.setHeader('connection', 'close');
        this.send(res, 413, { error: `the image is larger than ${this.options.maxImageBytes} bytes` });
        return;
      }
      // A copy of its own (a small body may sit in Node's shared buffer pool), moved to the thread.
      const bytes = new Uint8Array(body);
      const outcome = await this.pool.run(bytes, { transferList: [bytes.buffer], signal: stop.signal });
      if (typeof outcome === 'string') {
        this.send(res, 400, { error: `not an image this server can resize: ${outcome}` });
        return;
      }
      res.setHeader('content-type', PAM_CONTENT_TYPE);
      this.sendBytes(res, 200, Buffer.from(outcome.buffer, outcome.byteOffset, outcome.byteLength));
    } catch (error) {
      // The client left (while uploading, or while its resize waited or ran): nobody to answer.
      if (stop.signal.reason instanceof ClientGone) return;
      throw error;
    } finally {
      this.release();
    }
  }

  /** Takes a place for one resize if there is one: running and waiting resizes together stay within the limit. */
  protected admit(): boolean {
    if (this.resizesHeld >= this.options.resizeThreads + this.options.maxWaitingResizes) return false;
    this.resizesHeld++;
    return true;
  }

  protected release(): void {
    this.resizesHeld--;
  }

  /** The whole body, or undefined once it is (or says it will be) larger than maxImageBytes. */
  protected readImage(req: http.IncomingMessage): Promise<Buffer | undefined> {
    const limit = this.options.maxImageBytes;
    if (Number(req.headers['content-length']) > limit) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (outcome: () => void) => {
        req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
        outcome();
      };
      const onData = (chunk: Buffer) => {
        size += chunk.byteLength;
        if (size > limit) finish(() => resolve(undefined));
        else chunks.push(chunk);
      };
      const onEnd = () => finish(() => resolve(Buffer.concat(chunks, size)));
      const onError = (error: Error) => finish(() => reject(error));
      const onClose = () => finish(() => reject(new ClientGone()));
      req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    });
  }

  protected send(res: http.ServerResponse, status: number, body: object): void {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    this.sendBytes(res, status, Buffer.from(JSON.stringify(body)));
  }

  protected sendBytes(res: http.ServerResponse, status: number, body: Buffer): void {
    if (res.headersSent || res.destroyed) return;
    // While shutting down, every answer ends its connection: a kept-alive client cannot send more.
    if (this.closing) res.setHeader('connection', 'close');
    res.writeHead(status, { 'content-length': body.byteLength });
    res.end(body);
  }

  protected allowed(req: http.IncomingMessage, res: http.ServerResponse, method: string): boolean {
    if (req.method === method) return true;
    res.setHeader('allow', method);
    this.send(res, 405, { error: `${req.method ?? ''} is not allowed here: use ${method}` });
    return false;
  }

  /** Every request gets an answer: a failure nobody foresaw is a 500, never a hang. */
  protected answerFailure(res: http.ServerResponse, error: unknown): void {
    if (!res.headersSent) this.send(res, 500, { error: `the server failed: ${describeProblem(error)}` });
    else res.destroy();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Stop accepting connections (idle kept-alive ones are closed now, busy ones after their answer).
      const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
      // Answer every accepted request, including any that came in on an open connection meanwhile.
      while (this.handling.size > 0) await Promise.allSettled([...this.handling]);
      this.http.closeIdleConnections();
      await stopped;
      // Only now: piscina's own close() would drop tasks still queued.
      await this.pool.close();
    })();
    return this.closing;
  }
}

function describeProblem(problem: unknown): string {
  return problem instanceof Error ? `${problem.name}: ${problem.message}` : String(problem);
}
