// Single HTTP requests for tests, on node:http: each on a connection of its own (nothing kept alive
// afterwards), never rejecting: the outcome says whether an answer came, what error the client saw,
// or that nothing came in time. `openRequest` can also walk away mid-request, like a client that
// closes its browser tab: that is how the tests cancel a request.
import http from 'node:http';

export interface HttpAnswer {
  kind: 'answer';
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** From the first byte sent to the last byte received. */
  ms: number;
}

export interface HttpFailure {
  /** `error`: the connection failed (ECONNREFUSED, ECONNRESET, ...); `no-answer`: nothing came within the timeout. */
  kind: 'error' | 'no-answer';
  code: string;
  message: string;
  ms: number;
}

export type HttpOutcome = HttpAnswer | HttpFailure;

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Uint8Array;
  /** Give up waiting after this long (default 5000 ms): the outcome is `no-answer`. */
  timeoutMs?: number;
  /**
   * Send only the headers first (with the body's content-length) and the body once `sendBody()`
   * is called: for a server that should answer before the body arrives (413).
   */
  holdBody?: boolean;
}

export interface OpenRequest {
  /** The answer, the error, or `no-answer`. Never rejects. */
  readonly outcome: Promise<HttpOutcome>;
  /** Sends a held body now (the rest of it, after `sendPart`). */
  sendBody(): void;
  /**
   * Sends a held body up to byte `end` (exclusive), without ending the request: an upload under way.
   * Resolves once those bytes are handed to the system (at once when there is nothing to send).
   */
  sendPart(end: number): Promise<void>;
  /** The client goes away: closes its connection without waiting for the answer. */
  leave(): void;
}

/** One request, on its own connection. */
export function openRequest(url: string, options: RequestOptions = {}): OpenRequest {
  const { method = 'GET', headers = {}, body, timeoutMs = 5000, holdBody = false } = options;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  let left = false;
  const request = http.request(url, {
    method,
    agent: false,
    // A body sent chunked (transfer-encoding in `headers`) has no length up front.
    headers: { connection: 'close', ...(body && !('transfer-encoding' in headers) ? { 'content-length': body.byteLength } : {}), ...headers },
  });
  const outcome = new Promise<HttpOutcome>((resolve) => {
    let settled = false;
    const settle = (result: HttpOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      settle({ kind: 'no-answer', code: 'TIMEOUT', message: `no answer within ${timeoutMs} ms`, ms: elapsed() });
      request.destroy();
    }, timeoutMs);
    let answer: http.IncomingMessage | undefined;
    request.on('response', (response) => {
      answer = response;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => settle({ kind: 'answer', status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks), ms: elapsed() }));
      response.on('error', (error: NodeJS.ErrnoException) => settle(failure(error, elapsed())));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (left) settle({ kind: 'error', code: 'LEFT', message: 'the client left before the answer', ms: elapsed() });
      // An answer already coming in still counts (a 413 while the body was being sent).
      else if (!answer) settle(failure(error, elapsed()));
    });
    request.on('close', () => {
      if (left) settle({ kind: 'error', code: 'LEFT', message: 'the client left before the answer', ms: elapsed() });
      else if (!answer?.complete) setImmediate(() => settle({ kind: 'error', code: 'ECONNRESET', message: 'the connection closed before a complete answer', ms: elapsed() }));
    });
  });
  let written = 0;
  const sendBody = () => {
    if (left || request.writableEnded) return;
    request.end(body?.subarray(written));
    written = body?.byteLength ?? 0;
  };
  const sendPart = (end: number) =>
    new Promise<void>((resolve) => {
      if (left || request.writableEnded || !body || end <= written) return resolve();
      const to = Math.min(end, body.byteLength);
      request.write(body.subarray(written, to), () => resolve());
      written = to;
    });
  if (holdBody) {
    request.flushHeaders();
  } else {
    sendBody();
  }
  return {
    outcome,
    sendBody,
    sendPart,
    leave() {
      left = true;
      request.destroy();
    },
  };
}

/** One request, waited for. */
export function request(url: string, options: RequestOptions = {}): Promise<HttpOutcome> {
  return openRequest(url, options).outcome;
}

function failure(error: NodeJS.ErrnoException, ms: number): HttpFailure {
  return { kind: 'error', code: error.code ?? error.name, message: error.message, ms };
}

/** What a client saw, in a few words: `200 (12 ms)`, `ECONNRESET after 30 ms`. */
export function describeOutcome(outcome: HttpOutcome): string {
  if (outcome.kind === 'answer') return `${outcome.status} (${Math.round(outcome.ms)} ms)`;
  if (outcome.kind === 'no-answer') return `no answer within ${Math.round(outcome.ms)} ms`;
  return `${outcome.code} after ${Math.round(outcome.ms)} ms`;
}

/** The answer's body as JSON, or undefined when it is not JSON. */
export function jsonBody(answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
