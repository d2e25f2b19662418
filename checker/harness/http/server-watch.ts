// What an HTTP server did with each request, seen from inside the server: when it arrived, when its
// body had been read, when and how the server answered, and whether the answer was complete or the
// connection closed first. Evidence a load generator cannot give: "the server dropped 3 requests it
// had accepted" (not "3 connections failed"), or "at most 6 resizes were being handled at once".
// It only listens (a 'request' listener put before the server's own, and a wrapper around each
// response's writeHead that records and passes everything on); `stop()` takes it away again.
import type http from 'node:http';

export interface SeenRequest {
  /** 1 for the first request the server received after the watch began. */
  readonly n: number;
  /** Which connection it came on: 1 for the first connection seen, and so on (kept-alive ones carry several requests). */
  readonly connection: number;
  readonly method: string;
  readonly path: string;
  /** ms since the watch began: when the request's headers reached the server. */
  readonly arrivedAt: number;
  /** When the whole body had been read (by the server, or drained by Node after the answer). */
  bodyReadAt?: number;
  /** When the server began its answer (the status line), and with which status and headers. */
  answeredAt?: number;
  status?: number;
  headers?: http.OutgoingHttpHeaders;
  /** When the exchange ended: the answer fully sent, or the connection closed before that. */
  endedAt?: number;
  /** True when the whole answer was sent; false when the connection closed first. */
  complete?: boolean;
}

export interface ServerWatch {
  /** Every request seen so far, in arrival order. */
  readonly requests: readonly SeenRequest[];
  /** `performance.now()` when the watch began: every time above counts from it. */
  readonly origin: number;
  /** ms since the watch began (the clock of every time above). */
  now(): number;
  /** Requests that have arrived and not ended. */
  open(): SeenRequest[];
  /** Requests whose connection closed before their answer was complete (dropped, or the client left). */
  unanswered(): SeenRequest[];
  /** Waits (real time) until `done()` is true or `timeoutMs` passes; returns whether it became true. */
  waitFor(done: () => boolean, timeoutMs?: number): Promise<boolean>;
  /** Stops watching (requests in progress are still recorded to their end). Safe to call twice. */
  stop(): void;
}

export function watchServer(server: http.Server): ServerWatch {
  const origin = performance.now();
  const now = () => performance.now() - origin;
  const requests: SeenRequest[] = [];
  const connections = new WeakMap<object, number>();
  let connectionCount = 0;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let connection = connections.get(req.socket);
    if (connection === undefined) connections.set(req.socket, (connection = ++connectionCount));
    const seen: SeenRequest = { n: requests.length + 1, connection, method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', arrivedAt: now() };
    requests.push(seen);
    // 'end' alone does not start the body flowing: the server still reads it as it likes.
    req.once('end', () => (seen.bodyReadAt ??= now()));
    const writeHead = res.writeHead.bind(res);
    res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
      seen.answeredAt ??= now();
      seen.status = args[0];
      const result = writeHead(...args);
      // Headers given to writeHead() itself are sent without being stored where getHeaders() looks
      // (unless setHeader() was called first): both together are what went out.
      seen.headers = { ...this.getHeaders(), ...givenHeaders(typeof args[1] === 'string' ? (args as unknown[])[2] : args[1]) };
      return result;
    } as typeof writeHead;
    res.once('finish', () => {
      seen.complete ??= true;
      seen.endedAt ??= now();
    });
    res.once('close', () => {
      seen.complete ??= res.writableFinished;
      seen.endedAt ??= now();
    });
  };
  // Before the server's own listener, so the wrapper is in place even for an answer given at once.
  server.prependListener('request', onRequest);
  let stopped = false;
  return {
    requests,
    origin,
    now,
    open: () => requests.filter((request) => request.endedAt === undefined),
    unanswered: () => requests.filter((request) => request.complete === false),
    async waitFor(done, timeoutMs = 2000) {
      const deadline = performance.now() + timeoutMs;
      while (!done()) {
        if (performance.now() >= deadline) {
          // One more turn of the event loop for I/O that waited behind the timers (a busy machine).
          await new Promise((resolve) => setImmediate(resolve));
          return done();
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return true;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      server.off('request', onRequest);
    },
  };
}

/** The headers passed to writeHead(), by lower-case name: an object, a flat [name, value, ...] list, or [name, value] pairs. */
function givenHeaders(given: unknown): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  if (Array.isArray(given)) {
    const list: unknown[] = given;
    const pairs: unknown[][] = list.every(Array.isArray) ? (list as unknown[][]) : Array.from({ length: Math.floor(list.length / 2) }, (_, i) => [list[2 * i], list[2 * i + 1]]);
    for (const [name, value] of pairs) if (typeof name === 'string') headers[name.toLowerCase()] = value as http.OutgoingHttpHeader;
  } else if (given !== null && typeof given === 'object') {
    for (const [name, value] of Object.entries(given)) if (value !== undefined) headers[name.toLowerCase()] = value as http.OutgoingHttpHeader;
  }
  return headers;
}
