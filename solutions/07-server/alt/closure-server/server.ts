// Correct alternative for exercise 07: no class, every piece of state in the closure of startServer
// (one limiter, one pool, one count per server), and each request's work as plain functions.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pLimit from 'p-limit';
import { Piscina } from 'piscina';
import { PLACEHOLDER_PICTURE, type Cdn, type Database, type UserRow } from '../../../../exercises/07-server/backend.ts';
import { ImageFormatError, PAM_CONTENT_TYPE, decodePam, encodePam, type RgbaImage } from '../../../../exercises/07-server/pam.ts';

export interface ServerOptions {
  database: Database;
  cdn: Cdn;
  maxQueries: number;
  profileDeadlineMs: number;
  resizeThreads: number;
  maxWaitingResizes: number;
  maxImageBytes: number;
  host?: string;
  port?: number;
}

export interface RunningServer {
  readonly url: string;
  readonly http: http.Server;
  close(): Promise<void>;
}

const WORKER = new URL('../../resize.worker.ts', import.meta.url).href;

const GONE = Symbol('the client left');
const LATE = Symbol('the deadline passed');
const DONE = Symbol('answered');

const describe = (problem: unknown) => (problem instanceof Error ? `${problem.name}: ${problem.message}` : String(problem));

export function startServer(options: ServerOptions): Promise<RunningServer> {
  const { database, cdn, maxQueries, profileDeadlineMs, resizeThreads, maxWaitingResizes, maxImageBytes, host = '127.0.0.1', port = 0 } = options;
  const limit = pLimit(maxQueries);
  const pool = new Piscina<RgbaImage, Uint8Array>({ filename: WORKER, minThreads: resizeThreads, maxThreads: resizeThreads });
  let held = 0;
  let closing: Promise<void> | undefined;
  const inProgress = new Set<Promise<void>>();

  const json = (res: http.ServerResponse, status: number, body: object, headers: Record<string, string> = {}) =>
    bytes(res, status, Buffer.from(JSON.stringify(body)), { 'content-type': 'application/json', ...headers });

  function bytes(res: http.ServerResponse, status: number, body: Buffer, headers: Record<string, string>): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { ...headers, 'content-length': String(body.byteLength), ...(closing ? { connection: 'close' } : {}) });
    res.end(body);
  }

  function readBody(req: http.IncomingMessage): Promise<Buffer | 'too large'> {
    if (Number(req.headers['content-length']) > maxImageBytes) return Promise.resolve('too large');
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const stop = () => {
        req.removeListener('data', data);
        req.removeListener('end', end);
        req.removeListener('close', close);
        req.removeListener('error', reject);
      };
      const data = (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxImageBytes) return void chunks.push(chunk);
        stop();
        resolve('too large');
      };
      const end = () => {
        stop();
        resolve(Buffer.concat(chunks));
      };
      const close = () => {
        stop();
        reject(new Error('the upload was cut short'));
      };
      req.on('data', data).on('end', end).on('close', close).on('error', reject);
    });
  }

  async function profile(idText: string, res: http.ServerResponse, controller: AbortController): Promise<void> {
    if (!/^[1-9]\d{0,8}$/.test(idText)) return json(res, 400, { error: `"${idText}" is not a user id` });
    const id = Number(idText);
    const { signal } = controller;
    const timer = setTimeout(() => controller.abort(LATE), profileDeadlineMs);
    try {
      const picture = cdn.fetchPicture(id, signal).then(
        (data) => ({ data, problem: undefined as unknown }),
        (problem: unknown) => ({ data: PLACEHOLDER_PICTURE, problem }),
      );
      let user: UserRow | undefined;
      try {
        user = await limit(() => {
          if (signal.aborted) throw signal.reason;
          return database.queryUser(id, signal);
        });
      } catch (error) {
        if (signal.reason === GONE) return;
        if (signal.reason === LATE) return json(res, 504, { error: `no row within ${profileDeadlineMs} ms` });
        throw error;
      }
      if (user === undefined) return json(res, 404, { error: `no user ${id}` });
      const { data, problem } = await picture;
      if (signal.reason === GONE) return;
      json(res, 200, { id: user.id, name: user.name, picture: Buffer.from(data).toString('base64'), ...(problem === undefined ? {} : { pictureProblem: describe(problem) }) });
    } finally {
      clearTimeout(timer);
    }
  }

  async function resize(req: http.IncomingMessage, res: http.ServerResponse, controller: AbortController): Promise<void> {
    if (held >= resizeThreads + maxWaitingResizes) return json(res, 503, { error: 'busy, try again soon' }, { 'retry-after': '1' });
    held++;
    try {
      const body = await readBody(req);
      if (body === 'too large') return json(res, 413, { error: `larger than ${maxImageBytes} bytes` }, { connection: 'close' });
      let image: RgbaImage;
      try {
        image = decodePam(body);
      } catch (error) {
        if (error instanceof ImageFormatError) return json(res, 400, { error: error.message });
        throw error;
      }
      const { width, height } = image;
      const pixels = await pool.run(image, { transferList: [image.data.buffer as ArrayBuffer], signal: controller.signal });
      bytes(res, 200, encodePam({ width: width >> 1, height: height >> 1, data: pixels }), { 'content-type': PAM_CONTENT_TYPE });
    } catch (error) {
      if (controller.signal.reason === GONE) return;
      throw error;
    } finally {
      held--;
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse, controller: AbortController): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const method = (wanted: string) => {
      if (req.method === wanted) return true;
      json(res, 405, { error: `use ${wanted}` }, { allow: wanted });
      return false;
    };
    const id = /^\/profile\/([^/]*)$/.exec(path)?.[1];
    if (path === '/health') {
      if (method('GET')) json(res, 200, { status: 'ok' });
    } else if (id !== undefined) {
      if (method('GET')) await profile(id, res, controller);
    } else if (path === '/resize') {
      if (method('POST')) await resize(req, res, controller);
    } else {
      json(res, 404, { error: `no route ${path}` });
    }
  }

  const server = http.createServer((req, res) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort(res.writableFinished ? DONE : GONE));
    const handled = route(req, res, controller)
      .catch((error: unknown) => {
        if (res.headersSent) res.destroy();
        else json(res, 500, { error: describe(error) });
      })
      .finally(() => {
        controller.abort(DONE);
        inProgress.delete(handled);
      });
    inProgress.add(handled);
  });

  const running: RunningServer = {
    url: '',
    http: server,
    close() {
      closing ??= (async () => {
        const ended = new Promise<void>((resolve) => server.close(() => resolve()));
        while (inProgress.size > 0) await Promise.allSettled(inProgress);
        server.closeIdleConnections();
        await ended;
        await pool.close();
      })();
      return closing;
    },
  };

  return new Promise((resolve, reject) => {
    const failed = (error: Error) => {
      void pool.destroy().finally(() => reject(error));
    };
    server.once('error', failed);
    server.listen({ host, port, backlog: 2048 }, () => {
      server.off('error', failed);
      resolve({ url: `http://${host}:${(server.address() as AddressInfo).port}`, http: server, close: () => running.close() });
    });
  });
}
